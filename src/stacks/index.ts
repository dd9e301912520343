// `ferry/stacks`: the Pulumi components ferry deploys into, for a user's own Pulumi program.
//
//   import { environmentArgsFromConfig, FerryEnvironment } from 'ferry/stacks';
//   const env = new FerryEnvironment(environmentArgsFromConfig());
//   export const { descriptor, deployRoleArn, promoteSourceRoleArn, baseUrl, ferryEnvironment } = env.outputs;

// The descriptor's type (`EnvironmentDescriptor`, from descriptor.ts) and schema are ferry's own.
export { descriptorSchema } from '../config/schema.ts';
export * from './database.ts';
export * from './deploy-access.ts';
export * from './descriptor.ts';
export * from './environment.ts';
export * from './firewall.ts';
export * from './iam.ts';
export * from './load-balancer.ts';
export * from './network.ts';
export * from './promote-source.ts';
export * from './registry.ts';
export * from './service.ts';
