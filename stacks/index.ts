// The ferry stacks: one environment (staging or production) per stack, the same few lines a
// user's program has (`ferry/stacks` there). Every input comes from the stack's config
// (Pulumi.<stack>.yaml); docs/infrastructure.md lists them.
import { environmentArgsFromConfig, FerryEnvironment } from '../src/stacks/index.ts';

const environment = new FerryEnvironment(environmentArgsFromConfig());

export const {
  descriptor,
  descriptorParameter,
  deployRoleArn,
  promoteSourceRoleArn,
  baseUrl,
  repositoryUrl,
  natGateways,
  ferryEnvironment,
} = environment.outputs;
