/**
 * AWS's refusal is an answer: a deploy role that lacks a permission stops the
 * run at once with AWS's own words (exit 2, the service not changed), never
 * after retries as "state unknown".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, deployRoleArn, FAST, jsonLines, runFerry, seedApp } from './helpers.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});

const serving = async (app: string) =>
  (
    (await fetch(`${sandbox.endpoint}/_lb/${app}-staging-web/health`).then((r) => r.json())) as {
      version: string;
    }
  ).version;

/** Takes `action` out of every statement of the role's inline policies. */
async function withoutAction(roleArn: string, action: string): Promise<void> {
  const role = (await sandbox.control.roles()).find((r) => r.arn === roleArn)!;
  for (const policy of role.inlinePolicies) {
    const statements = policy.document.Statement as { Action: string | string[] }[];
    await sandbox.control.putRolePolicy(roleArn, policy.name, {
      ...policy.document,
      Statement: statements.map((s) => ({
        ...s,
        Action: [s.Action].flat().filter((a) => a !== action),
      })) as never,
    });
  }
}

describe('a deploy role without a permission (sandbox)', () => {
  it('stops at the denied call with exit 2 and AWS’s reason, the service not changed', async () => {
    const app = 'denied';
    const { sha, initialSha } = await seedApp(sandbox, app);
    await withoutAction(deployRoleArn(app, 'staging'), 'ecs:RegisterTaskDefinition');
    const started = Date.now();
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    const result = jsonLines(run.stdout).at(-1)!;
    expect(run.code, run.stderr).toBe(2);
    expect(result).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
    expect(String(result.reason)).toContain('AccessDeniedException');
    expect(String(result.reason)).toContain('ecs:RegisterTaskDefinition');
    expect(String(result.reason)).not.toMatch(/state unknown|AWS calls in a row failed/);
    expect(await serving(app)).toBe(initialSha);
    // No retry budget spent on an answer.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
