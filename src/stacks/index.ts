// `ferry/stacks`: the Pulumi components ferry deploys into, for a user's own Pulumi program.
//
//   import { environmentArgsFromConfig, FerryEnvironment } from 'ferry/stacks';
//   const env = new FerryEnvironment(environmentArgsFromConfig());
//   export const { descriptor, deployRoleArn, promoteSourceRoleArn, baseUrl, ferryEnvironment } = env.outputs;

// `EnvironmentDescriptor` (descriptor.ts) is ferry's own descriptor type. Nothing here imports
// anything at run time but @pulumi/*: the stack program loads no more than it needs.
export * from './database.ts';
export * from './deploy-access.ts';
export * from './descriptor.ts';
export * from './environment.ts';
export * from './environment-config.ts';
export * from './firewall.ts';
export * from './iam.ts';
export * from './load-balancer.ts';
export * from './network.ts';
export * from './promote-source.ts';
export * from './registry.ts';
export * from './service.ts';
