import { dirname, resolve } from 'node:path';
import { type AwsPortsOptions, createAws } from '../../aws/index.ts';
import { currentOidcSubject } from '../../aws/oidc.ts';
import { parseSha } from '../../config/sha.ts';
import { type CheckResult, type CheckStatus, failed, runDoctor } from '../../doctor/checks.ts';
import { ExitCode } from '../../errors.ts';
import type { Ports } from '../../pipeline/ports.ts';
import { awsOptions, envArgument, loadDescriptor, loadSetup } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';
import { currentRepository, expectedSubject } from '../github-subject.ts';
import { fetchProbe } from '../http-probe.ts';

export interface DoctorOptions {
  sha?: string;
  args?: unknown[];
}

const MARK: Record<CheckStatus, string> = { pass: '✔', fail: '✖', warn: '⚠', skip: '-' };

/**
 * `ferry doctor <env> [--sha SHA]`: read-only preflight of an environment.
 * Exit 0 when every check passes (warnings allowed), 2 naming each failure.
 */
export async function run(options: DoctorOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, true)!;
  const sha = options.sha === undefined ? undefined : parseSha(options.sha, '--sha');
  const setup = await loadSetup(ctx, env);
  const envConfig = setup.config.environments[env]!;
  const out = new DataOutput(ctx);
  // Built on first use, inside the credentials check: a job without an OIDC token fails that
  // check (with the reason) instead of stopping doctor before its first line.
  let built: ReturnType<typeof createAws> | undefined;
  const aws = () => {
    built ??= createAws(awsOptions(ctx, setup) satisfies AwsPortsOptions);
    return built;
  };
  let databaseKind: 'instance' | 'cluster' = 'instance';
  const http = fetchProbe();
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
    http,
  };
  const promoted = envConfig.promoteFrom !== undefined;
  out.text(`ferry doctor ${env}${sha ? ` --sha ${sha}` : ''}`);
  const results = await runDoctor(
    {
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
      onCheck: (result) => {
        out.data('check', { env, ...result });
        out.text(renderCheck(result));
      },
    },
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
  const failures = failed(results).map((r) => r.check);
  out.text(
    failures.length === 0
      ? `${env}: all checks passed`
      : `${env}: ${failures.length} check(s) failed: ${failures.join(', ')}`,
  );
  const exitCode = failures.length === 0 ? ExitCode.Ok : ExitCode.Usage;
  out.result({ env, outcome: failures.length === 0 ? 'ok' : 'failed', exitCode, failures });
  return exitCode;
}

export function renderCheck(r: CheckResult): string {
  const lines = [`${MARK[r.status]} ${r.check}: ${r.summary}`];
  for (const item of r.items ?? []) lines.push(`    - ${item}`);
  if (r.fix && r.status !== 'pass') lines.push(`    fix: ${r.fix}`);
  return lines.join('\n');
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
