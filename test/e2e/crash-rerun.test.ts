/**
 * A run killed outright (SIGKILL, as when a runner dies) at any step, then the
 * same deploy again after `ferry lock release --force`: the re-run converges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, runFerry, seedApp } from './helpers.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});

const killPoints: [string, RegExp][] = [
  ['right after CreateDBSnapshot', /info snapshot .* started/],
  ['right after the new revision was registered', /step register done/],
  ['right after the migration task started', /info migration task/],
  ['right after UpdateService', /step deploy done/],
  ['during the verification', /step verify start/],
];

describe('a re-run after a crash (sandbox)', () => {
  it.each(killPoints)(
    'converges after a SIGKILL %s',
    async (_, at) => {
      const app = `crash${killPoints.findIndex(([, re]) => re === at)}`;
      const { sha } = await seedApp(sandbox, app);
      const cwd = appDir(app);
      let killed = false;
      const first = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
        cwd,
        env: sandbox.env,
        onLine: (line, child) => {
          if (!killed && at.test(line)) {
            killed = true;
            child.kill('SIGKILL');
          }
        },
      });
      expect(killed, first.stderr).toBe(true);
      expect(first.signal).toBe('SIGKILL');

      const release = await runFerry(['lock', 'release', 'staging', '--force'], { cwd, env: sandbox.env });
      expect(release.code, release.stderr).toBe(0);
      const again = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
      expect(again.code, again.stderr).toBe(0);

      const answer = await fetch(`${sandbox.endpoint}/_lb/${app}-staging-web/health`).then((r) => r.json());
      expect(answer).toEqual({ version: sha });
      const ports = createAwsPorts({ region: 'eu-west-1', env: sandbox.env });
      const ledger = await ports.parameters.get(`/ferry/${app}/staging/releases`);
      expect(JSON.parse(ledger!.value)).toMatchObject({ sha, outcome: 'deployed' });
      expect(await ports.parameters.get(`/ferry/${app}/staging/lock`)).toBeUndefined();
    },
    60_000,
  );
});
