import { AccessError } from '../../aws/errors.ts';
import { isFerryError } from '../../errors.ts';
import { describeHolder } from '../../pipeline/lock.ts';
import { readEnvironmentStatus } from '../../pipeline/status.ts';
import { envArgument, loadSetup, openEnvironment } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';
import { releaseTable } from '../release-table.ts';
import { renderTable } from '../render/index.ts';
import { ellipsize } from '../render/shorten.ts';

export interface StatusOptions {
  args?: unknown[];
}

/** `ferry status [env]`: per environment, what runs (SHA, digest), the rollout, tasks, recent releases, the lock. */
export async function run(options: StatusOptions, ctx: CliContext): Promise<number> {
  const only = envArgument(options.args, false);
  const first = await loadSetup(ctx, only);
  const envs = only ? [only] : Object.keys(first.config.environments);
  const out = new DataOutput(ctx);
  let failed = 0;
  for (const env of envs) {
    try {
      const setup = env === first.env ? first : await loadSetup(ctx, env);
      const { ports, descriptor } = await openEnvironment(ctx, setup);
      const status = await readEnvironmentStatus(ports, descriptor, env);
      out.data('status', { ...status });
      out.text(`${env}`);
      out.text(
        indent(
          renderTable(
            ['service', 'sha', 'digest', 'rollout', 'running', 'deployments'],
            status.services.map((s) => [
              ellipsize(s.name, 24),
              s.sha?.slice(0, 12) ?? '?',
              s.digest?.slice(0, 19) ?? '?',
              s.rolloutState ?? '-',
              `${s.running}/${s.desired}`,
              String(s.deployments),
            ]),
          ),
        ),
      );
      out.text(`  lock: ${status.lock ? describeHolder(status.lock) : 'free'}`);
      out.text(indent(releaseTable(status.releases)));
    } catch (err) {
      // Without credentials or an endpoint, every environment fails the same way: say it once.
      if (!isFerryError(err) || err instanceof AccessError) throw err;
      failed += 1;
      // Every problem, as deploy prints them: a bad descriptor is fixed in one go, not one field per run.
      out.data('status', { env, error: err.message, ...(err.hints.length ? { next: err.hints } : {}) });
      ctx.stderr.write(`ferry: ${env}: ${err.message}\n`);
      for (const hint of err.hints) ctx.stderr.write(`  ${hint}\n`);
    }
  }
  out.result({ ...(only ? { env: only } : {}), ...(failed ? { outcome: 'failed', exitCode: 2 } : {}) });
  return failed ? 2 : 0;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
