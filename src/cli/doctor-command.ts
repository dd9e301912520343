/**
 * The composition of `ferry doctor`: the environment's ports, built lazily, the
 * job's OIDC subject, and the checks' results as --json events and text.
 */
import { dirname, resolve } from 'node:path';
import { type AwsPortsOptions, createAws } from '../aws/index.ts';
import { currentOidcSubject } from '../aws/oidc.ts';
import { type DoctorDeps, runDoctor } from '../doctor/checks.ts';
import { doctorVerdict } from '../doctor/verdict.ts';
import type { Ports } from '../pipeline/ports.ts';
import { awsOptions, loadDescriptor, loadSetup, type Setup } from './compose.ts';
import type { CliContext } from './context.ts';
import { DataOutput } from './data-output.ts';
import { currentRepository, expectedSubject } from './github-subject.ts';
import { fetchProbe } from './http-probe.ts';
import { doctorHeading, renderCheck, renderVerdict } from './render/doctor.ts';

export interface DoctorCommand {
  env: string;
  sha?: string;
}

/** Runs every check of one environment; exit 0 when none failed (warnings allowed), 2 otherwise. */
export async function runDoctorCommand(ctx: CliContext, { env, sha }: DoctorCommand): Promise<number> {
  const setup = await loadSetup(ctx, env);
  const envConfig = setup.config.environments[env]!;
  const out = new DataOutput(ctx);
  const promoted = envConfig.promoteFrom !== undefined;
  out.text(doctorHeading(env, sha));
  const results = await runDoctor(
    doctorDeps(ctx, setup, (result) => {
      out.data('check', { env, ...result });
      out.text(renderCheck(result));
    }),
    {
      app: setup.app,
      env,
      region: setup.region,
      ...(setup.roleArn ? { roleArn: setup.roleArn } : {}),
      ...(sha ? { sha } : {}),
      health: { path: setup.config.health.path, expectStatus: setup.config.health.expectStatus },
      promoted,
      ...(envConfig.promoteFrom ? { promoteFrom: envConfig.promoteFrom } : {}),
      githubSubject: await githubSubject(ctx, env, promoted),
      snapshotsKept: setup.config.snapshots.keep,
    },
  );
  const verdict = doctorVerdict(results);
  out.text(renderVerdict(env, verdict));
  const { failures, exitCode } = verdict;
  out.result({ env, outcome: failures.length === 0 ? 'ok' : 'failed', exitCode, failures });
  return exitCode;
}

/**
 * The AWS side of the checks, built on first use, inside the credentials check:
 * a job without an OIDC token fails that check (with the reason) instead of
 * stopping doctor before its first line. The database port follows the
 * descriptor's database kind once the descriptor is read. (Getters, so never
 * spread this object: spreading would build the clients at once.)
 */
function doctorDeps(ctx: CliContext, setup: Setup, onCheck: DoctorDeps['onCheck']): DoctorDeps {
  let built: ReturnType<typeof createAws> | undefined;
  const aws = () => {
    built ??= createAws(awsOptions(ctx, setup) satisfies AwsPortsOptions);
    return built;
  };
  let databaseKind: 'instance' | 'cluster' = 'instance';
  const ports: Ports = {
    get identity() {
      return aws().ports.identity;
    },
    get parameters() {
      return aws().ports.parameters;
    },
    get registry() {
      return aws().ports.registry;
    },
    get ecs() {
      return aws().ports.ecs;
    },
    get database() {
      return aws().preflight.database(databaseKind);
    },
    get loadBalancer() {
      return aws().ports.loadBalancer;
    },
    get logs() {
      return aws().ports.logs;
    },
    get alarms() {
      return aws().ports.alarms;
    },
    http: fetchProbe(),
  };
  return {
    ports,
    get reader() {
      return aws().preflight.reader;
    },
    get permissions() {
      return aws().preflight.permissions;
    },
    loadDescriptor: async () => {
      const descriptor = await loadDescriptor(ctx, setup, ports);
      databaseKind = descriptor.database?.kind ?? 'instance';
      return descriptor;
    },
    now: () => new Date(),
    onCheck,
  };
}

/** The job's own subject inside GitHub Actions; outside, the one the stacks expect for this environment. */
async function githubSubject(ctx: CliContext, env: string, promoted: boolean): Promise<string> {
  const actual = await currentOidcSubject(ctx.runtime, (secret) =>
    ctx.stderr.write(`::add-mask::${secret}\n`),
  ).catch(() => undefined);
  if (actual) return actual;
  const repository = await currentRepository(
    ctx.runtime,
    dirname(resolve(ctx.cwd, ctx.globals.config)),
    ctx.env,
  );
  return expectedSubject(repository ?? 'OWNER/REPO', env, promoted);
}
