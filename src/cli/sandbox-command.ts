/**
 * The composition of `ferry sandbox`: start the simulated AWS, seed an app,
 * print its endpoint and what to run next, and run until SIGINT/SIGTERM.
 */
import { ExitCode, usageError } from '../errors.ts';
import type { CliContext } from './context.ts';
import { configArgument, ferryCommand, sandboxHints } from './sandbox-hints.ts';

export interface SandboxCommand {
  port?: number;
  timeScale?: number;
  /** The app to seed, if any. */
  seed?: string;
  /** Seed a worker service (no load balancer) next to the web one. */
  worker: boolean;
  real: boolean;
}

export function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
    throw usageError(`\`--port\` must be a port number from 1 to 65535, got "${raw}"`);
  }
  return port;
}

export function parseTimeScale(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10_000) {
    throw usageError(`\`--time-scale\` must be a number above 0 (such as 1 or 60), got "${raw}"`);
  }
  return scale;
}

export async function runSandboxCommand(ctx: CliContext, request: SandboxCommand): Promise<number> {
  const { port, timeScale, seed, worker } = request;
  const { startSandbox } = await import('../sandbox/index.ts');
  const verbose = ctx.globals.verbose;
  const sandbox = await startSandbox({
    port,
    timeScale,
    real: request.real,
    log: (line) => {
      if (verbose) ctx.stderr.write(`${line}\n`);
    },
  });
  try {
    const databases: string[] = [];
    let stagingAccount: string | undefined;
    if (seed) {
      const { descriptors } = await sandbox.control.seed({
        app: seed,
        region: ctx.globals.region,
        ...(worker ? { worker: true } : {}),
      });
      stagingAccount = descriptors.staging?.accountId;
      // Real mode: the seeded databases are real PostgreSQL clusters from the start.
      for (const d of Object.values(descriptors)) {
        const url = d.database && (await sandbox.real?.databaseUrl(d.database.identifier));
        if (url) databases.push(`  ${d.database!.identifier}: ${url}`);
      }
    }
    if (ctx.globals.json) {
      ctx.stdout.write(
        `${JSON.stringify({ type: 'sandbox', ts: new Date().toISOString(), endpoint: sandbox.endpoint, registry: sandbox.registryHost, seeded: seed, real: sandbox.real ? { stateDir: sandbox.real.stateDir } : undefined })}\n`,
      );
    } else {
      ctx.stdout.write(`AWS_ENDPOINT_URL=${sandbox.endpoint}\n`);
    }
    const hints = sandboxHints({
      endpoint: sandbox.endpoint,
      registryHost: sandbox.registryHost,
      region: ctx.globals.region ?? 'eu-west-1',
      ...(seed ? { seed } : {}),
      ...(stagingAccount ? { stagingAccount } : {}),
      ...(timeScale ? { timeScale } : {}),
      ferry: ferryCommand(ctx.cwd),
      config: configArgument(ctx.cwd),
      ...(ctx.globals.region ? { regionFlag: ctx.globals.region } : {}),
    });
    if (sandbox.real) {
      hints.splice(
        1,
        0,
        `Real mode: containers, PostgreSQL and snapshots under ${sandbox.real.stateDir}`,
        ...(databases.length > 0 ? ['Databases (real PostgreSQL):', ...databases] : []),
      );
    }
    ctx.stderr.write(`${hints.join('\n')}\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await sandbox.stop();
  }
  ctx.stderr.write('ferry sandbox: stopped\n');
  return ExitCode.Ok;
}
