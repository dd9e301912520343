// The package's library surface: the contracts other tools and a user's code may rely on
// (config and descriptor schemas, exit codes). The CLI itself is the "bin".

export { loadConfig, loadDescriptorFile, parseConfig, parseDescriptor } from './config/load.ts';
export {
  type Descriptor,
  descriptorSchema,
  type EnvironmentConfig,
  type FerryConfig,
  type FerryConfigInput,
  ferryConfigSchema,
} from './config/schema.ts';
export { ExitCode } from './errors.ts';
