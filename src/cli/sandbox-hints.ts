/**
 * What `ferry sandbox` tells the user to run next. Every line must work as
 * printed from the directory the user started it in: the ferry command as it
 * can be typed there, and a config file that exists.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's (or installed package's) bin/ferry. */
export const FERRY_BIN = fileURLToPath(new URL('../../bin/ferry', import.meta.url));

/**
 * How to type ferry in `cwd`: `npx ferry` for an installed package or at the
 * root of a checkout (npx puts node_modules/.bin, and the Node that setup may
 * have put there, first on PATH); elsewhere the path to bin/ferry, run by the
 * same Node as now when that is not the machine's own.
 */
export function ferryCommand(
  cwd: string,
  bin: string = FERRY_BIN,
  execPath: string = process.execPath,
): string {
  if (bin.split(sep).includes('node_modules')) return 'npx ferry';
  const root = dirname(dirname(bin));
  if (relative(root, cwd) === '') return 'npx ferry';
  const path = (to: string) => {
    const rel = relative(cwd, to);
    return isAbsolute(rel) || rel.startsWith('.') ? rel : `.${sep}${rel}`;
  };
  const ownNode = !relative(join(root, 'node_modules'), execPath).startsWith('..');
  return ownNode ? `${path(execPath)} ${path(bin)}` : path(bin);
}

/** `--config ...` to add to a printed command, or '' when cwd has its own ferry.config.json. */
export function configArgument(cwd: string, bin: string = FERRY_BIN): string {
  if (existsSync(join(cwd, 'ferry.config.json'))) return '';
  // From a checkout of ferry, the example app's config names staging and production like the seed.
  const example = join(dirname(dirname(bin)), 'examples', 'app', 'ferry.config.json');
  if (existsSync(example)) return ` --config ${relative(cwd, example) || example}`;
  return ' --config PATH/TO/ferry.config.json';
}

export interface SandboxHintInput {
  endpoint: string;
  registryHost: string;
  region: string;
  seed?: string;
  timeScale?: number;
  ferry: string;
  config: string;
  /** Set when `--region` was given: the config's own region would not match the seed. */
  regionFlag?: string;
}

export function sandboxHints(h: SandboxHintInput): string[] {
  const app = h.seed ?? 'shop';
  const flags = `--app ${app}${h.config}${h.regionFlag ? ` --region ${h.regionFlag}` : ''}`;
  const seedLines = h.seed
    ? [
        `Seeded app "${h.seed}" from the stacks: staging and production, with their IAM roles.`,
        'These static keys are unrestricted. To run as a deploy role (its policy enforced), add the token of a push to main:',
        `  export ACTIONS_ID_TOKEN_REQUEST_TOKEN=local ACTIONS_ID_TOKEN_REQUEST_URL='${h.endpoint}/_sandbox/oidc/token?sub=repo:acme/shop:ref:refs/heads/main'`,
        'Try:',
      ]
    : [
        'Seed an app (repositories, cluster, services, database, descriptors), then try the commands below:',
        `  curl -X POST ${h.endpoint}/_sandbox/seed -d '{"app":"${app}"}'`,
      ];
  return [
    `ferry sandbox: simulated AWS on ${h.endpoint}, OCI registry on ${h.registryHost}${h.timeScale ? ` (time x${h.timeScale})` : ''}`,
    'In another shell, from this directory:',
    `  export AWS_ENDPOINT_URL=${h.endpoint} AWS_REGION=${h.region}`,
    '  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_EC2_METADATA_DISABLED=true',
    ...seedLines,
    `  ${h.ferry} status ${flags}`,
    `  ${h.ferry} sandbox push ${app}-staging          # prints the SHA of a new image`,
    `  ${h.ferry} deploy staging --sha SHA ${flags}`,
    'Stop with Ctrl-C.',
  ];
}
