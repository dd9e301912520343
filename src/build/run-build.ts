/**
 * `ferry build`, as a runbook: is the SHA's image already there -> pick a
 * builder -> log in -> build -> push -> read the digest back from ECR.
 * Tags are immutable, so an existing tag ends the run early with its digest.
 */
import { readFile } from 'node:fs/promises';
import { ExitCode, FerryError } from '../errors.ts';
import type { Emit, FerryEvent, StepName } from '../pipeline/events.ts';
import {
  type BuilderCommand,
  type BuilderName,
  builderCommands,
  digestFromPushOutput,
  isLoopbackHost,
  registryHost,
  selectBuilder,
} from './builders.ts';
import type { ProcessRunner } from './process.ts';
import { type RegistryLogin, withRegistryAuth } from './registry-auth.ts';

export interface BuildRequest {
  env: string;
  sha: string;
  repositoryName: string;
  repositoryUri: string;
  /** Absolute paths. */
  context: string;
  dockerfile: string;
  platform: string;
  /** The config's build.args. */
  buildArgs?: Record<string, string>;
  builder?: BuilderName;
  dryRun: boolean;
}

export interface BuildDeps {
  runner: ProcessRunner;
  emit: Emit;
  now: () => number;
  /** The environment the builders run with (PATH, HOME, CONTAINERS_STORAGE_CONF, ...). */
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** ECR DescribeImages by tag. */
  findImageByTag(repositoryName: string, tag: string): Promise<{ digest: string } | undefined>;
  /** ECR GetAuthorizationToken, decoded. */
  login(): Promise<RegistryLogin>;
  /** Hides a secret in CI logs (a no-op outside GitHub Actions). */
  mask(secret: string): void;
}

export type BuildResult = Extract<FerryEvent, { type: 'result' }>;

/** Runs the build and emits its steps and result; usage problems throw FerryError before anything is built. */
export async function runBuild(deps: BuildDeps, req: BuildRequest): Promise<BuildResult> {
  const image = `${req.repositoryUri}:${req.sha}`;
  const finish = (result: Omit<BuildResult, 'type'>): BuildResult => {
    const event: BuildResult = { type: 'result', ...result };
    deps.emit(event);
    return event;
  };
  const step = stepper(deps);

  const resolve = step('resolve');
  const existing = await resolve.guard(() => deps.findImageByTag(req.repositoryName, req.sha));
  if (existing) {
    resolve.done(`${image} already exists`);
    const why = `tag ${req.sha} already exists in ${req.repositoryName} (tags are immutable)`;
    step.skip('build', why);
    step.skip('push', why);
    return finish({
      outcome: 'ok',
      exitCode: ExitCode.Ok,
      env: req.env,
      sha: req.sha,
      digest: existing.digest,
      meaning: `the image was already in ${req.repositoryName}: nothing was built`,
    });
  }
  const builder = await resolve.guard(() => selectBuilder(req.builder, deps.runner, deps.env));
  resolve.done(`${image} with ${builder.name} for ${req.platform}`);

  if (req.dryRun) {
    info(
      deps,
      `dry run: would build ${req.dockerfile} (context ${req.context}) with ${builder.name} for ${req.platform}`,
    );
    info(deps, `dry run: would push ${image}`);
    step.skip('build', 'dry run');
    step.skip('push', 'dry run');
    return finish({ outcome: 'ok', exitCode: ExitCode.Ok, env: req.env, sha: req.sha, dryRun: true });
  }

  const built = step('build');
  const login = await built.guard(() => deps.login());
  deps.mask(login.password);
  deps.mask(Buffer.from(`${login.username}:${login.password}`).toString('base64'));
  const secrets = [login.password];
  const host = registryHost(req.repositoryUri);

  try {
    const pushed = await withRegistryAuth(
      { builder: builder.name, host, login, env: deps.env },
      async (auth) => {
        const commands = builderCommands(builder.name, {
          image,
          sha: req.sha,
          context: req.context,
          dockerfile: req.dockerfile,
          platform: req.platform,
          ...(req.buildArgs ? { buildArgs: req.buildArgs } : {}),
          auth,
          digestFile: auth.digestFile,
          insecureRegistry: isLoopbackHost(host),
        });
        await built.guard(() => execute(deps, commands.build, secrets));
        built.done(image);
        const push = step('push');
        const output = await push.guard(() => execute(deps, commands.push, secrets));
        const reported = commands.writesDigestFile
          ? (await readFile(auth.digestFile, 'utf8').catch(() => '')).trim() || undefined
          : digestFromPushOutput(output);
        const digest = await push.guard(() => confirmDigest(deps, req, reported));
        push.done(`${image}@${digest}`);
        return digest;
      },
    );
    return finish({
      outcome: 'ok',
      exitCode: ExitCode.Ok,
      env: req.env,
      sha: req.sha,
      digest: pushed,
      meaning: `built and pushed to ${req.repositoryName}; nothing was deployed`,
    });
  } catch (err) {
    if (deps.signal.aborted) {
      return finish({
        outcome: 'aborted',
        exitCode: ExitCode.Interrupted,
        env: req.env,
        sha: req.sha,
        meaning: 'interrupted: nothing was deployed',
        reason: 'interrupted',
      });
    }
    // Whatever broke during build or push, the environment never changed: the tag is new and nothing runs it.
    return finish({
      outcome: 'failed',
      exitCode: ExitCode.ReleaseFailed,
      env: req.env,
      sha: req.sha,
      meaning: 'the build failed: no image was pushed and no environment was changed',
      reason: redact(err instanceof Error ? err.message : String(err), secrets),
    });
  }
}

/** A build, push or login that runs longer than this is stuck (a hung registry, a wedged daemon). */
export const BUILDER_TIMEOUT_MS = 60 * 60_000;

/** Runs one builder command, streaming its lines as log events with any secret blanked out. */
async function execute(deps: BuildDeps, cmd: BuilderCommand, secrets: string[]): Promise<string> {
  deps.emit({ type: 'log', level: 'debug', message: `$ ${cmd.command} ${cmd.args.join(' ')}` });
  const res = await deps.runner.run(cmd.command, cmd.args, {
    env: { ...deps.env, ...cmd.env },
    signal: deps.signal,
    timeoutMs: BUILDER_TIMEOUT_MS,
    onLine: (line) =>
      deps.emit({ type: 'log', level: 'info', message: `${cmd.command}: ${redact(line, secrets)}` }),
  });
  if (res.timedOut) {
    throw new FerryError(
      `${cmd.command} ${cmd.args[0]} did not finish within ${BUILDER_TIMEOUT_MS / 60_000}m; ferry stopped it${lastLine(res.stderr, secrets)}`,
      ExitCode.ReleaseFailed,
    );
  }
  if (res.code !== 0) {
    throw new FerryError(
      `${cmd.command} ${cmd.args[0]} failed with exit code ${res.code}${lastLine(res.stderr, secrets)}`,
      ExitCode.ReleaseFailed,
    );
  }
  return res.stdout;
}

/** ECR is the truth about what the tag names; the builder's own report must agree with it. */
async function confirmDigest(
  deps: BuildDeps,
  req: BuildRequest,
  reported: string | undefined,
): Promise<string> {
  const found = await deps.findImageByTag(req.repositoryName, req.sha);
  if (!found) {
    throw new FerryError(
      `the push finished but ECR shows no tag ${req.sha} in ${req.repositoryName}`,
      ExitCode.ReleaseFailed,
    );
  }
  if (reported && reported !== found.digest) {
    deps.emit({
      type: 'log',
      level: 'warn',
      message: `the builder reported ${reported} but ECR says ${req.sha} is ${found.digest}; using ECR's`,
    });
  }
  return found.digest;
}

interface StepHandle {
  done(detail?: string): void;
  /** Runs `fn`; a throw marks the step failed and passes through. */
  guard<T>(fn: () => Promise<T>): Promise<T>;
}

/** `step(name)` starts a step at once; `step.skip(name, why)` reports one that never ran. */
function stepper(deps: BuildDeps) {
  const step = (name: StepName): StepHandle => {
    const started = deps.now();
    deps.emit({ type: 'step', step: name, status: 'start', elapsedMs: 0 });
    let open = true;
    const end = (status: 'done' | 'failed', detail: string | undefined) => {
      if (!open) return;
      open = false;
      deps.emit({
        type: 'step',
        step: name,
        status,
        elapsedMs: deps.now() - started,
        ...(detail ? { detail } : {}),
      });
    };
    return {
      done: (detail) => end('done', detail),
      guard: async (fn) => {
        try {
          return await fn();
        } catch (err) {
          end('failed', err instanceof Error ? err.message : String(err));
          throw err;
        }
      },
    };
  };
  const skip = (name: StepName, why: string) =>
    deps.emit({ type: 'step', step: name, status: 'skipped', elapsedMs: 0, detail: why });
  return Object.assign(step, { skip });
}

const info = (deps: BuildDeps, message: string) => deps.emit({ type: 'log', level: 'info', message });

function lastLine(stderr: string, secrets: string[]): string {
  const line = stderr.trim().split('\n').at(-1)?.trim();
  return line ? `: ${redact(line, secrets)}` : '';
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}
