import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isValidName, NAME_RULE } from '../config/name-rule.ts';
import { ExitCode, FerryError, usageError } from '../errors.ts';
import { diffSnapshots } from './diff.ts';
import type { PreviewReport, StackSnapshot } from './model.ts';
import type { RunnerReply } from './offline-runner.ts';
import type { RunRequest } from './program-run.ts';

// Beside this module: .ts when ferry runs from its sources, .js in the compiled package.
const RUNNER = fileURLToPath(
  new URL(`./offline-runner${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);
/** What offline mode copies out of the base ref besides the Pulumi project: the components and schemas it may import. */
const BASE_PATHS = ['src/stacks', 'src/config'];

export interface OfflineOptions {
  /** Where ferry runs; the git repository around it holds stacks/. */
  cwd: string;
  env: string;
  /** Git ref to compare the working tree with. */
  base: string;
  /** Environment for git and the program runs (PATH, HOME). */
  processEnv: NodeJS.ProcessEnv;
  /** The node binary that runs the stack program (must strip types: Node 22.18+). */
  nodePath: string;
  /** Per program run. */
  timeoutMs?: number;
  /** Progress lines for humans ("running the program at HEAD"). */
  onProgress?: (message: string) => void;
}

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({
        code,
        stdout: String(stdout),
        stderr: String(stderr || (err && code === 127 ? err.message : '')),
      });
    });
  });
}

/** Where the Pulumi project sits: stacks/ (ferry's own layout) or infra/ (what `ferry init` writes). */
export const PROJECT_DIRS = ['stacks', 'infra'];

/** The Pulumi project directory of the repository around `cwd` (or of `cwd` itself outside git). */
export async function locateStacks(
  cwd: string,
  processEnv: NodeJS.ProcessEnv,
): Promise<{ repoRoot?: string; stacksDir: string }> {
  const top = await run('git', ['rev-parse', '--show-toplevel'], cwd, processEnv);
  const repoRoot = top.code === 0 ? top.stdout.trim() : undefined;
  const root = repoRoot ?? cwd;
  const found = PROJECT_DIRS.find((dir) => existsSync(join(root, dir, 'Pulumi.yaml')));
  return { ...(repoRoot ? { repoRoot } : {}), stacksDir: join(root, found ?? PROJECT_DIRS[0]!) };
}

/** The stack names that have a Pulumi.<name>.yaml. */
export function stackNames(stacksDir: string): string[] {
  if (!existsSync(stacksDir)) return [];
  return readdirSync(stacksDir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

/** Fails with exit 2 unless `env` names a stack with its own Pulumi.<env>.yaml. */
export function checkEnvironment(stacksDir: string, env: string): void {
  if (!isValidName(env)) throw usageError(`"${env}" is not an environment name; ${NAME_RULE}`);
  if (!existsSync(join(stacksDir, 'Pulumi.yaml'))) {
    throw usageError(
      `no Pulumi project at ${stacksDir} (${basename(stacksDir)}/Pulumi.yaml is missing)`,
      'run `ferry init` to write one in infra/',
    );
  }
  if (!existsSync(join(stacksDir, `Pulumi.${env}.yaml`))) {
    const known = stackNames(stacksDir);
    throw usageError(
      `unknown environment "${env}": there is no ${basename(stacksDir)}/Pulumi.${env}.yaml`,
      known.length > 0
        ? `environments with a stack file: ${known.join(', ')}`
        : `${basename(stacksDir)}/ has no Pulumi.<env>.yaml`,
    );
  }
}

async function resolveCommit(repoRoot: string, ref: string, env: NodeJS.ProcessEnv): Promise<string> {
  // A ref that starts with "-" would be read as an option by git.
  const found = ref.startsWith('-')
    ? undefined
    : await run(
        'git',
        ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
        repoRoot,
        env,
      );
  if (found?.code !== 0) {
    throw usageError(
      `--base: "${ref}" is not a commit in ${repoRoot}`,
      'pass a branch, tag or SHA, e.g. --base origin/main',
    );
  }
  return found.stdout.trim();
}

/** Copies the base ref's Pulumi project (and src/stacks, src/config) into `dir` with `git archive | tar -x`: no worktree to clean up. */
async function materialise(
  repoRoot: string,
  commit: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  project: string,
): Promise<void> {
  const paths: string[] = [];
  for (const path of [project, ...BASE_PATHS]) {
    if ((await run('git', ['cat-file', '-e', `${commit}:${path}`], repoRoot, env)).code === 0)
      paths.push(path);
  }
  // Node needs to know the copied .ts files are ES modules, as the repository's package.json says.
  await writeFile(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  if (paths.length === 0) return;
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', commit, '--', ...paths], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', dir], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    archive.stderr.on('data', (d: Buffer) => {
      errors += d.toString();
    });
    tar.stderr.on('data', (d: Buffer) => {
      errors += d.toString();
    });
    archive.stdout.pipe(tar.stdin);
    const codes: (number | null)[] = [];
    const settle = (code: number | null) => {
      codes.push(code);
      if (codes.length < 2) return;
      if (codes.every((c) => c === 0)) resolve();
      else
        reject(
          new FerryError(
            `could not copy ${paths.join(', ')} at ${commit.slice(0, 12)}: ${errors.trim()}`,
            ExitCode.Usage,
          ),
        );
    };
    archive.on('error', reject);
    tar.on('error', reject);
    archive.on('close', settle);
    tar.on('close', settle);
  });
}

/** The runner must see a clean Pulumi environment: a PULUMI_CONFIG from the caller would replace the stack's config. */
function runnerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PULUMI_')));
}

/**
 * Runs the stack program in its own node process (Pulumi's runtime state is per
 * process) and returns what it declared.
 */
export function runProgramInChild(opts: {
  stacksDir: string;
  stack: string;
  key: string;
  nodePath: string;
  processEnv: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Where the packages the program imports resolve from, when its own directory has none. */
  resolveFrom?: string;
  account?: RunRequest['account'];
  config?: RunRequest['config'];
}): Promise<StackSnapshot> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(opts.nodePath, [RUNNER], {
      cwd: opts.stacksDir,
      env: runnerEnv(opts.processEnv),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    let reply: RunnerReply | undefined;
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
    });
    child.stdout?.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('message', (message) => {
      reply = message as RunnerReply;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (reply?.ok) return resolve(reply.snapshot);
      if (reply) {
        const err = reply.program
          ? usageError(`the stack program failed: ${reply.error}`)
          : new Error(`offline preview runner failed: ${reply.error}\n${reply.detail ?? ''}`);
        return reject(err);
      }
      const why =
        signal === 'SIGKILL'
          ? `took longer than ${(opts.timeoutMs ?? 120_000) / 1000}s`
          : `exited ${code ?? signal}`;
      reject(new Error(`the offline program run ${why}${stderr ? `:\n${stderr.trim()}` : ''}`));
    });
    const request: RunRequest = {
      stacksDir: opts.stacksDir,
      stack: opts.stack,
      key: opts.key,
      ...(opts.resolveFrom ? { resolveFrom: opts.resolveFrom } : {}),
      ...(opts.account ? { account: opts.account } : {}),
      ...(opts.config ? { config: opts.config } : {}),
    };
    child.send(request);
  });
}

/**
 * `ferry preview <env> --offline`: runs the stack program of the working tree and
 * of `base` under mocks and diffs what they declare. No AWS, no Pulumi CLI.
 */
export async function previewOffline(opts: OfflineOptions): Promise<PreviewReport> {
  if (!isValidName(opts.env)) throw usageError(`"${opts.env}" is not an environment name; ${NAME_RULE}`);
  const { repoRoot, stacksDir } = await locateStacks(opts.cwd, opts.processEnv);
  if (!repoRoot) {
    throw usageError(`--offline compares with a git ref, but ${opts.cwd} is not in a git repository`);
  }
  checkEnvironment(stacksDir, opts.env);
  const commit = await resolveCommit(repoRoot, opts.base, opts.processEnv);
  // Seals secrets for this preview only: equal secrets match across the two runs, and nowhere else.
  const key = randomBytes(32).toString('hex');
  const runOpts = {
    stack: opts.env,
    key,
    nodePath: opts.nodePath,
    processEnv: opts.processEnv,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  const dir = await mkdtemp(join(tmpdir(), 'ferry-preview-'));
  const notes: string[] = [];
  try {
    const project = relative(repoRoot, stacksDir);
    await materialise(repoRoot, commit, dir, opts.processEnv, project);
    const baseStacks = join(dir, project);
    const baseHasStack =
      existsSync(join(baseStacks, 'Pulumi.yaml')) && existsSync(join(baseStacks, `Pulumi.${opts.env}.yaml`));
    if (!baseHasStack)
      notes.push(`${opts.base} has no ${project}/Pulumi.${opts.env}.yaml: every resource is new`);
    opts.onProgress?.(
      `running the ${opts.env} stack program of the working tree and of ${opts.base} under mocks`,
    );
    const [before, after] = await Promise.all([
      baseHasStack
        ? runProgramInChild({ ...runOpts, stacksDir: baseStacks, resolveFrom: stacksDir }).catch(
            (err: unknown) => {
              throw err instanceof FerryError ? usageError(`at ${opts.base}: ${err.message}`) : err;
            },
          )
        : Promise.resolve(undefined),
      runProgramInChild({ ...runOpts, stacksDir }),
    ]);
    const diff = diffSnapshots(before, after);
    notes.push(
      'offline: compares what the two programs declare, under mocks; drift in AWS and values only AWS knows are not seen',
    );
    return {
      env: opts.env,
      mode: 'offline',
      base: opts.base,
      summary: diff.summary,
      changes: diff.changes,
      config: diff.config,
      outputs: diff.outputs,
      notes,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
