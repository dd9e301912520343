// The stacks program the sandbox generates its world from when ferry runs installed: the same few
// lines as the repository's stacks/index.ts, on the compiled components. The build copies the stack
// files beside it (scripts/build-stack-program.mjs); from a checkout, the sandbox uses stacks/ itself.
import { environmentArgsFromConfig, FerryEnvironment } from '../../../stacks/index.ts';

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
