/**
 * The composition root: flags, config and environment in; ports, clock,
 * reporter and the pipeline's Deps out. Every input is validated here, before
 * any AWS call that could change anything.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { type AwsPortsOptions, accessError, createAwsPorts, describeAwsError } from '../aws/index.ts';
import { commitTime } from '../build/commit-time.ts';
import { parseDuration } from '../config/duration.ts';
import { loadConfig, loadDescriptorFile, parseDescriptor, parseJsonText } from '../config/load.ts';
import { isValidName, NAME_RULE } from '../config/name-rule.ts';
import type { Descriptor, FerryConfig } from '../config/schema.ts';
import { isFerryError, usageError } from '../errors.ts';
import { checkMigrations } from '../migrations/check.ts';
import { createGit } from '../migrations/git.ts';
import type { Deps } from '../pipeline/context.ts';
import type { Ports } from '../pipeline/ports.ts';
import { type ReleaseRequest, runRelease } from '../pipeline/release.ts';
import { descriptorParameter } from '../pipeline/resource-names.ts';
import { readServiceStatus } from '../pipeline/status.ts';
import { releaseAnnouncers, resultOfError, warningWriter } from './announce/index.ts';
import type { CliContext } from './context.ts';
import { fetchProbe } from './http-probe.ts';
import { chooseMode, createReporter, type Reporter } from './render/index.ts';
import type { Sink } from './render/sink.ts';
import { systemClock } from './system-clock.ts';

export const DEFAULT_POLL_INTERVAL = '5s';
export const DEFAULT_TIMEOUT = '30m';

export interface Setup {
  config: FerryConfig;
  app: string;
  env: string;
  region: string;
  roleArn?: string;
  pollIntervalMs: number;
  timeoutMs: number;
}

/** Config file, environment name and durations: all local, so bad input fails before any AWS call. */
export async function loadSetup(ctx: CliContext, env: string | undefined): Promise<Setup> {
  const g = ctx.globals;
  const pollIntervalMs = parseDuration(g.pollInterval ?? DEFAULT_POLL_INTERVAL, '--poll-interval');
  const timeoutMs = parseDuration(g.timeout ?? DEFAULT_TIMEOUT, '--timeout');
  const config = await loadConfig(resolve(ctx.cwd, g.config));
  const app = g.app ?? config.app;
  if (!isValidName(app)) throw usageError(`--app: "${app}" is not an app name; ${NAME_RULE}`);
  const region = g.region ?? config.region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw usageError(`--region: "${region}" is not an AWS region, such as eu-west-1`);
  const name = env ?? Object.keys(config.environments)[0]!;
  const envConfig = config.environments[name];
  if (!envConfig) {
    throw usageError(
      `environment "${name}" is not in ${g.config}; use one of: ${Object.keys(config.environments).join(', ')}`,
    );
  }
  const roleArn = g.roleArn ?? envConfig.roleArn;
  if (roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn)) {
    throw usageError(
      `--role-arn: "${roleArn}" is not an IAM role ARN, such as arn:aws:iam::111111111111:role/deploy`,
    );
  }
  return { config, app, env: name, region, ...(roleArn ? { roleArn } : {}), pollIntervalMs, timeoutMs };
}

export function createPorts(
  ctx: CliContext,
  setup: Setup,
  databaseKind: 'instance' | 'cluster' = 'instance',
): Ports {
  return { ...createAwsPorts(awsOptions(ctx, setup, databaseKind)), http: fetchProbe() };
}

/** The AWS options every command builds its ports with: region, role, masking, --verbose. */
export function awsOptions(
  ctx: CliContext,
  setup: Setup,
  databaseKind: 'instance' | 'cluster' = 'instance',
): AwsPortsOptions {
  return {
    region: setup.region,
    env: ctx.env,
    runtime: ctx.runtime,
    mutations: ctx.mutations,
    environment: setup.env,
    databaseKind,
    ...(setup.roleArn ? { roleArn: setup.roleArn } : {}),
    ...(ctx.globals.json ? { mask: (secret: string) => ctx.stderr.write(`::add-mask::${secret}\n`) } : {}),
    ...(ctx.globals.verbose
      ? { onCall: (service: string, op: string) => ctx.stderr.write(`aws ${service}.${op}\n`) }
      : {}),
  };
}

/** The descriptor from `--descriptor FILE` or SSM, checked against the config's app and environment. */
export async function loadDescriptor(ctx: CliContext, setup: Setup, ports: Ports): Promise<Descriptor> {
  const descriptor = ctx.globals.descriptor
    ? await loadDescriptorFile(resolve(ctx.cwd, ctx.globals.descriptor))
    : await readDescriptorParameter(ports, setup, ctx.env.AWS_ENDPOINT_URL);
  if (descriptor.app !== setup.app || descriptor.environment !== setup.env) {
    throw usageError(
      `descriptor: it describes ${descriptor.app}/${descriptor.environment}, not ${setup.app}/${setup.env}; check --app, the environment name and --descriptor`,
    );
  }
  checkDescriptorTrust(descriptor, setup.region, ctx.env);
  return descriptor;
}

/**
 * The descriptor names where ferry pushes images and sends registry
 * credentials: it must point at ECR of its own account and region (or, against
 * a local endpoint such as the sandbox, at a loopback registry), in the
 * config's region. Checked before any credentials reach a registry.
 */
export function checkDescriptorTrust(descriptor: Descriptor, region: string, env: NodeJS.ProcessEnv): void {
  if (descriptor.region !== region) {
    throw usageError(
      `descriptor: region is ${descriptor.region}, but ferry works in ${region} (the config's region or --region); fix the descriptor or the region`,
    );
  }
  const host = descriptor.repository.uri.split('/')[0] ?? '';
  const ecr = `${descriptor.accountId}.dkr.ecr.${descriptor.region}.amazonaws.com`;
  if (host === ecr || host === `${ecr}.cn`) return;
  if (isLoopbackHost(host) && isLoopbackUrl(env.AWS_ENDPOINT_URL)) return;
  throw usageError(
    `descriptor: repository.uri ${JSON.stringify(descriptor.repository.uri)} is not in ECR of account ${descriptor.accountId} in ${descriptor.region}; use ${ecr}/${descriptor.repository.name}`,
  );
}

function isLoopbackHost(hostPort: string): boolean {
  const host = hostPort.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return isLoopbackHost(new URL(url).host);
  } catch {
    return false;
  }
}

async function readDescriptorParameter(
  ports: Ports,
  setup: Setup,
  endpoint: string | undefined,
): Promise<Descriptor> {
  const name = descriptorParameter(setup.app, setup.env);
  let found: { value: string } | undefined;
  try {
    found = await ports.parameters.get(name);
  } catch (err) {
    if (isFerryError(err)) throw err;
    const access = accessError(err, endpoint);
    if (access) throw access;
    throw usageError(`reading the descriptor ${name}: ${describeAwsError(err)}`);
  }
  if (!found) {
    throw usageError(
      `no environment descriptor at SSM ${name}; deploy the ${setup.env} stack first, or pass --descriptor FILE`,
    );
  }
  return parseDescriptor(parseJsonText(found.value, `descriptor ${name}`), `descriptor ${name}`);
}

/** Everything a pipeline command needs, with ports matching the descriptor's database kind. */
export async function openEnvironment(
  ctx: CliContext,
  setup: Setup,
): Promise<{ ports: Ports; descriptor: Descriptor }> {
  const first = createPorts(ctx, setup);
  const descriptor = await loadDescriptor(ctx, setup, first);
  const ports = descriptor.database?.kind === 'cluster' ? createPorts(ctx, setup, 'cluster') : first;
  return { ports, descriptor };
}

export function reporterFor(ctx: CliContext, title: string, sinks: Sink[] = []): Reporter {
  return createReporter({
    mode: chooseMode({ json: ctx.globals.json, stderrIsTTY: ctx.isTTY, runtime: ctx.runtime }),
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    runtime: ctx.runtime,
    title,
    verbose: ctx.globals.verbose,
    sinks,
  });
}

export function pipelineDeps(ctx: CliContext, setup: Setup, ports: Ports, reporter: Reporter): Deps {
  return {
    ports,
    clock: systemClock(),
    emit: reporter.emit,
    signal: ctx.signal,
    pollIntervalMs: setup.pollIntervalMs,
  };
}

/** Who holds the lock: the GitHub run, or user@host. */
export function lockOwner(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_ACTOR ?? 'github'} (GitHub run ${env.GITHUB_REPOSITORY ?? ''}#${env.GITHUB_RUN_ID})`;
  }
  let user = env.USER ?? env.USERNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}

export const newRunId = (): string => randomUUID();

/** The environment positional, validated like every other name. */
export function envArgument(args: unknown[] | undefined, required: boolean): string | undefined {
  const value = args?.[0];
  if (value === undefined) {
    if (required) throw usageError('give the environment, such as: ferry deploy staging --sha ...');
    return undefined;
  }
  if (typeof value !== 'string' || !isValidName(value)) {
    throw usageError(
      `environment: ${JSON.stringify(String(value)).slice(0, 60)} is not an environment name; ${NAME_RULE}`,
    );
  }
  return value;
}

/** The parts of a release request every releasing command fills the same way. */
type CommonRequestFields = 'config' | 'timeoutMs' | 'dryRun' | 'owner' | 'runId' | 'actor';

/**
 * Runs the release runbook for deploy, rollback and promote: the reporter is
 * opened here and closed on every path, so the result line is always the last.
 */
export async function runReleaseCommand(
  ctx: CliContext,
  setup: Setup,
  ports: Ports,
  title: string,
  request: Omit<ReleaseRequest, CommonRequestFields>,
  before?: (reporter: Reporter) => void | Promise<void>,
): Promise<number> {
  const runId = newRunId();
  const announcers = announcersFor(ctx, setup, request, runId);
  const reporter = reporterFor(ctx, title, announcers);
  try {
    await before?.(reporter);
    const result = await runRelease(pipelineDeps(ctx, setup, ports, reporter), {
      ...request,
      config: setup.config,
      timeoutMs: setup.timeoutMs,
      dryRun: ctx.globals.dryRun,
      owner: lockOwner(ctx.env),
      runId,
      // A rollback redeploys an old commit: its age is not a lead time.
      ...(request.kind === 'rollback' ? {} : await commitTimeOf(ctx, request.sha)),
      ...(ctx.env.FERRY_LOCK_TTL
        ? { lockTtlMs: Math.max(1000, parseDuration(ctx.env.FERRY_LOCK_TTL, 'FERRY_LOCK_TTL')) }
        : {}),
      ...(ctx.env.GITHUB_ACTOR ? { actor: ctx.env.GITHUB_ACTOR } : {}),
    });
    return result.exitCode;
  } catch (err) {
    // The entry point prints this error; the people watching hear about it too.
    for (const sink of announcers) sink.emit(resultOfError(err, ctx.mutations));
    throw err;
  } finally {
    await reporter.close();
  }
}

/** The commit's time from the config file's repository, for the ledger (lead time); nothing when unknown. */
async function commitTimeOf(ctx: CliContext, sha: string): Promise<{ committedAt?: string }> {
  const committedAt = await commitTime(dirname(resolve(ctx.cwd, ctx.globals.config)), sha, ctx.env);
  return committedAt ? { committedAt } : {};
}

/** GitHub deployments and notifications for a release, from the environment read here once. */
function announcersFor(
  ctx: CliContext,
  setup: Setup,
  request: Omit<ReleaseRequest, CommonRequestFields>,
  runId: string,
): Sink[] {
  return releaseAnnouncers(
    {
      app: setup.app,
      env: request.env,
      sha: request.sha,
      command: request.promotion ? 'promote' : request.kind === 'rollback' ? 'rollback' : 'deploy',
      config: setup.config,
      ...(request.descriptor.services[0] ? { environmentUrl: request.descriptor.services[0].baseUrl } : {}),
      ferryRunId: runId,
      dryRun: ctx.globals.dryRun,
    },
    {
      runtime: ctx.runtime,
      env: ctx.env,
      now: () => new Date(),
      warn: warningWriter(ctx.stderr, ctx.runtime),
    },
  );
}

/**
 * The `before` step of deploy and promote: checks the SQL migrations that `sha`
 * adds over what runs in the environment (`migrate.paths`), in the config file's
 * git repository. Read-only; with `migrate.dangerous: "fail"` it stops the
 * release before the lock.
 */
export function migrationCheck(
  ctx: CliContext,
  setup: Setup,
  ports: Ports,
  descriptor: Descriptor,
  sha: string,
): (reporter: Reporter) => Promise<void> {
  return async (reporter) => {
    const migrate = setup.config.migrate;
    const service = descriptor.services[0]!;
    await checkMigrations({
      globs: migrate?.paths,
      mode: migrate?.dangerous,
      env: setup.env,
      sha,
      runningSha: async () =>
        (await readServiceStatus(ports, descriptor, service.name, service.container)).sha,
      git: createGit(dirname(resolve(ctx.cwd, ctx.globals.config)), ctx.env),
      emit: reporter.emit,
    });
  };
}
