/**
 * The composition root of `ferry build`: config, the environment's descriptor
 * and ECR access in; `runBuild` (src/build) does the rest. Builders inherit
 * ferry's environment, so their own settings apply (CONTAINERS_STORAGE_CONF,
 * BUILDAH_ISOLATION, DOCKER_HOST, ...); only the registry login is ferry's.
 */
import { dirname, resolve } from 'node:path';
import { createEcrAccess } from '../aws/ecr-copy-access.ts';
import { accessError, describeAwsError } from '../aws/index.ts';
import { buildSources, checkPlatform, refuseBuildIntoPromoted } from '../build/build-inputs.ts';
import type { BuilderName } from '../build/builders.ts';
import { resolveSha } from '../build/git-sha.ts';
import { nodeProcessRunner, type ProcessRunner } from '../build/process.ts';
import { runBuild } from '../build/run-build.ts';
import { isFerryError, usageError } from '../errors.ts';
import { loadSetup, openEnvironment, reporterFor } from './compose.ts';
import type { CliContext } from './context.ts';

/** What `ferry build`'s options say. */
export interface BuildAsk {
  env: string;
  sha?: string;
  builder?: BuilderName;
  platform?: string;
}

/** Builds and pushes one image; the exit code is the build result's. */
export async function runBuildCommand(
  ctx: CliContext,
  ask: BuildAsk,
  runner: ProcessRunner = nodeProcessRunner(),
): Promise<number> {
  const setup = await loadSetup(ctx, ask.env);
  refuseBuildIntoPromoted(setup.env, setup.config);
  const configDir = dirname(resolve(ctx.cwd, ctx.globals.config));
  const platform = checkPlatform(ask.platform ?? setup.config.build.platform);
  const { context, dockerfile } = await buildSources(configDir, setup.config.build);
  const { sha } = await resolveSha({
    dir: configDir,
    runner,
    env: ctx.env,
    ...(ask.sha !== undefined ? { sha: ask.sha } : {}),
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
        ...(ask.builder ? { builder: ask.builder } : {}),
        dryRun: ctx.globals.dryRun,
      },
    );
    return result.exitCode;
  } finally {
    await reporter.close();
  }
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
