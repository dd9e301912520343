import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createEcrAccess } from '../../aws/ecr-copy-access.ts';
import { accessError, describeAwsError } from '../../aws/index.ts';
import { type BuilderName, isBuilderName } from '../../build/builders.ts';
import { resolveSha } from '../../build/git-sha.ts';
import { nodeProcessRunner, type ProcessRunner } from '../../build/process.ts';
import { runBuild } from '../../build/run-build.ts';
import { isFerryError, usageError } from '../../errors.ts';
import { loadSetup, openEnvironment, reporterFor } from '../compose.ts';
import type { CliContext } from '../context.ts';

export interface BuildOptions {
  env?: string;
  sha?: string;
  builder?: string;
  platform?: string;
  args?: unknown[];
}

const PLATFORM = /^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/;

/**
 * `ferry build`: build the image of a clean commit, tag it with the SHA and push
 * it to the environment's repository. Builders inherit ferry's environment, so
 * their own settings apply (CONTAINERS_STORAGE_CONF, BUILDAH_ISOLATION,
 * DOCKER_HOST, ...); only the registry login is ferry's.
 */
export async function run(
  options: BuildOptions,
  ctx: CliContext,
  runner: ProcessRunner = nodeProcessRunner(),
): Promise<number> {
  const builder = parseBuilder(options.builder);
  const setup = await loadSetup(ctx, options.env ?? 'staging');
  const promoteFrom = setup.config.environments[setup.env]?.promoteFrom;
  if (promoteFrom) {
    // Production must run the very image that ran in staging: it receives copies, never its own builds.
    throw usageError(
      `${setup.env} receives its images from ${promoteFrom} by \`ferry promote\`, never from a build`,
      `Build into ${promoteFrom} (ferry build --env ${promoteFrom}), deploy and check it there, then run: ferry promote --from ${promoteFrom} --to ${setup.env}`,
    );
  }
  const configDir = dirname(resolve(ctx.cwd, ctx.globals.config));
  const platform = options.platform ?? setup.config.build.platform;
  if (!PLATFORM.test(platform)) {
    throw usageError(`--platform: "${platform}" is not a platform such as linux/amd64 or linux/arm64`);
  }
  const context = resolve(configDir, setup.config.build.context);
  const dockerfile = resolve(configDir, setup.config.build.dockerfile);
  await mustExist(context, 'directory', 'build.context');
  await mustExist(dockerfile, 'file', 'build.dockerfile');
  const { sha } = await resolveSha({
    dir: configDir,
    runner,
    env: ctx.env,
    ...(options.sha !== undefined ? { sha: options.sha } : {}),
  });

  const { ports, descriptor } = await openEnvironment(ctx, setup);
  const ecr = createEcrAccess({
    region: setup.region,
    env: ctx.env,
    runtime: ctx.runtime,
    mutations: ctx.mutations,
    environment: setup.env,
    ...(setup.roleArn ? { roleArn: setup.roleArn } : {}),
    mask: (secret) => mask(ctx, secret),
    ...(ctx.globals.verbose
      ? { onCall: (service: string, op: string) => ctx.stderr.write(`aws ${service}.${op}\n`) }
      : {}),
  });
  const reporter = reporterFor(ctx, `build ${setup.app} ${setup.env} ${sha.slice(0, 7)}`);
  try {
    const result = await runBuild(
      {
        runner,
        emit: reporter.emit,
        now: () => Date.now(),
        env: ctx.env,
        signal: ctx.signal,
        findImageByTag: (repositoryName, tag) =>
          aws(`reading ${repositoryName}`, ctx.env.AWS_ENDPOINT_URL, () =>
            ports.registry.findImageByTag(repositoryName, tag),
          ),
        login: () =>
          aws('logging in to ECR (GetAuthorizationToken)', ctx.env.AWS_ENDPOINT_URL, () => ecr.login()),
        mask: (secret) => mask(ctx, secret),
      },
      {
        env: setup.env,
        sha,
        repositoryName: descriptor.repository.name,
        repositoryUri: descriptor.repository.uri,
        context,
        dockerfile,
        platform,
        ...(setup.config.build.args ? { buildArgs: setup.config.build.args } : {}),
        ...(builder ? { builder } : {}),
        dryRun: ctx.globals.dryRun,
      },
    );
    return result.exitCode;
  } finally {
    await reporter.close();
  }
}

function parseBuilder(value: string | undefined): BuilderName | undefined {
  if (value === undefined) return undefined;
  if (!isBuilderName(value)) throw usageError(`--builder: "${value}" is not one of docker, podman, buildah`);
  return value;
}

async function mustExist(path: string, kind: 'file' | 'directory', field: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  const ok = kind === 'file' ? found?.isFile() : found?.isDirectory();
  if (!ok)
    throw usageError(
      `${field}: ${path} is not a ${kind}; fix ${field} in the config (it is relative to the config file)`,
    );
}

/** GitHub Actions hides a value in its logs once told on any of the job's output streams. */
function mask(ctx: CliContext, secret: string): void {
  if (ctx.runtime.githubActions) ctx.stderr.write(`::add-mask::${secret}\n`);
}

/** An AWS failure here means nothing was built or changed: a failed precondition (exit 2). */
async function aws<T>(what: string, endpoint: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isFerryError(err)) throw err;
    throw accessError(err, endpoint) ?? usageError(`${what}: ${describeAwsError(err)}`);
  }
}
