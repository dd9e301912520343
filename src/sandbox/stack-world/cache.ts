/**
 * Stack worlds are generated once and cached on disk: running the stacks loads @pulumi/aws,
 * which takes seconds, and Pulumi's mocks are process-global, so each generation runs in a child
 * process. The cache key is a hash of the stack sources (and of the code that reads them), so any
 * change to the stacks regenerates the world. Each world is generated for a placeholder app name
 * and renamed for the app asked for: the stacks use the app name only inside names and paths.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgramInChild } from '../../infra/offline.ts';
import { extractStackWorld, renameApp, type StackWorld } from './extract.ts';

// .ts from the sources, .js in the compiled package.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/**
 * The stacks program (Pulumi.yaml, index.ts, the stack files): the repository's stacks/ when ferry runs
 * from its sources, else the compiled copy the build puts in dist (Node strips no types under node_modules).
 */
export const STACKS_DIR = fileURLToPath(
  new URL(EXT === '.ts' ? '../../../stacks/' : './program/', import.meta.url),
);
/** The components that program is made of (`ferry/stacks`). */
const COMPONENTS_DIR = fileURLToPath(new URL('../../stacks/', import.meta.url));
/** The app name worlds are generated for, then renamed from: one word that appears nowhere else. */
export const PLACEHOLDER_APP = 'ferrysbx';

const SOURCES_OF_THE_READER = [
  './extract',
  '../../infra/program-run',
  '../../infra/mock-aws',
  '../../infra/offline-runner',
  '../../infra/stack-config',
  // Read by the components (src/stacks) the program is made of.
  '../../config/ecs-deployment',
  '../../config/name-rule',
].map((p) => fileURLToPath(new URL(`${p}${EXT}`, import.meta.url)));

export interface WorldRequest {
  environment: string;
  account: string;
  region: string;
  /** Stack settings beyond the stack file's (project-qualified keys). */
  config?: Record<string, string>;
}

function stackFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== 'node_modules' && !name.startsWith('.'))
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return stackFiles(path);
      return /\.(ts|yaml)$/.test(name) ? [path] : [];
    })
    .sort();
}

export function stacksHash(stacksDir = STACKS_DIR): string {
  const hash = createHash('sha256');
  for (const file of [...stackFiles(stacksDir), ...stackFiles(COMPONENTS_DIR), ...SOURCES_OF_THE_READER]) {
    hash.update(file.slice(file.lastIndexOf('/'))).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The stack file that describes an environment: its own, else staging's with `environment` set. */
function stackFor(environment: string, stacksDir: string): { stack: string; config: Record<string, string> } {
  const own = existsSync(join(stacksDir, `Pulumi.${environment}.yaml`));
  return {
    stack: own ? environment : 'staging',
    config: own ? {} : { 'ferry-stacks:environment': environment },
  };
}

export function cacheDir(): string {
  return join(tmpdir(), 'ferry-sandbox-worlds');
}

function cachePath(req: WorldRequest, hash: string): string {
  const settings = Object.keys(req.config ?? {}).length
    ? `-${createHash('sha256').update(JSON.stringify(req.config)).digest('hex').slice(0, 8)}`
    : '';
  return join(cacheDir(), `${hash}-${req.environment}-${req.account}-${req.region}${settings}.json`);
}

async function generate(req: WorldRequest, stacksDir: string): Promise<StackWorld> {
  const { stack, config } = stackFor(req.environment, stacksDir);
  const account = { accountId: req.account, region: req.region };
  const snapshot = await runProgramInChild({
    stacksDir,
    stack,
    key: randomBytes(32).toString('hex'),
    nodePath: process.execPath,
    // The child needs the caller's PATH and temp directory (runnerEnv drops any PULUMI_ settings).
    // biome-ignore lint/style/noProcessEnv: the sandbox is its own edge; this child is its stack program run
    processEnv: process.env,
    account,
    config: { ...config, ...req.config, 'ferry-stacks:app': PLACEHOLDER_APP, 'aws:region': req.region },
  });
  return extractStackWorld(snapshot, account);
}

/** The environment's world for `app`: from the cache, or generated (and cached) now. */
export async function stackWorld(
  app: string,
  req: WorldRequest,
  stacksDir = STACKS_DIR,
): Promise<StackWorld> {
  const path = cachePath(req, stacksHash(stacksDir));
  let world: StackWorld;
  if (existsSync(path)) world = JSON.parse(readFileSync(path, 'utf8')) as StackWorld;
  else {
    world = await generate(req, stacksDir);
    mkdirSync(cacheDir(), { recursive: true });
    // Written aside and renamed: parallel test files may generate the same world at once.
    const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(aside, JSON.stringify(world));
    renameSync(aside, path);
  }
  return renameApp(world, PLACEHOLDER_APP, app);
}
