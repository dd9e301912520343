/**
 * The composition root: flags, config and environment in; ports, clock,
 * reporter and the pipeline's Deps out. Every input is validated here, before
 * any AWS call that could change anything.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { type AwsPortsOptions, accessError, createAwsPorts, describeAwsError } from '../aws/index.ts';
import { REGION_PATTERN, ROLE_ARN_PATTERN } from '../config/aws-identifiers.ts';
import { parseDuration } from '../config/duration.ts';
import { loadConfig, loadDescriptorFile, parseDescriptor, parseJsonText } from '../config/load.ts';
import { isValidName, NAME_RULE } from '../config/name-rule.ts';
import type { Descriptor, FerryConfig } from '../config/schema.ts';
import { isFerryError, usageError } from '../errors.ts';
import type { Deps } from '../pipeline/context.ts';
import type { Ports } from '../pipeline/ports.ts';
import { descriptorParameter } from '../pipeline/resource-names.ts';
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
  if (!REGION_PATTERN.test(region))
    throw usageError(`--region: "${region}" is not an AWS region, such as eu-west-1`);
  const name = env ?? Object.keys(config.environments)[0]!;
  const envConfig = config.environments[name];
  if (!envConfig) {
    throw usageError(
      `environment "${name}" is not in ${g.config}; use one of: ${Object.keys(config.environments).join(', ')}`,
    );
  }
  const roleArn = g.roleArn ?? envConfig.roleArn;
  if (roleArn !== undefined && !ROLE_ARN_PATTERN.test(roleArn)) {
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
