import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, freshSha, jsonLines, runFerry } from './helpers.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
});

const app = 'st-both';
const stagingRole = `arn:aws:iam::111111111111:role/${app}-staging-deploy`;
const productionRole = `arn:aws:iam::222222222222:role/${app}-production-deploy`;
const config = {
  environments: {
    staging: { roleArn: stagingRole },
    production: { roleArn: productionRole, promoteFrom: 'staging' },
  },
};

describe('ferry status with no environment', () => {
  it('reads each environment with its own role, names the one whose role refused, and still shows the other', async () => {
    const initialSha = freshSha();
    await sandbox.control.seed({ app, environments: ['staging', 'production'], initialSha });
    // As in a GitHub job whose token fits staging's trust policy only.
    await sandbox.control.setFaults({ untrustedRoles: [productionRole] });
    const cwd = appDir(app, config);

    const human = await runFerry(['status'], { cwd, env: sandbox.env });
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(/^staging\n/m);
    expect(human.stdout).toContain(initialSha.slice(0, 12));
    expect(human.stdout).toMatch(
      new RegExp(
        `^production\\n  not read: Could not assume role ${productionRole}: AccessDenied: User: .* is not authorized to perform: sts:AssumeRole on resource: ${productionRole}`,
        'm',
      ),
    );
    expect(human.stdout).toContain('could not read production; read the others');

    const json = await runFerry(['status', '--json'], { cwd, env: sandbox.env });
    expect(json.code).toBe(2);
    const lines = jsonLines(json.stdout);
    const statuses = lines.filter((l) => l.type === 'status');
    expect(statuses.map((s) => s.env)).toEqual(['staging', 'production']);
    expect(statuses[0]).not.toHaveProperty('error');
    expect(String(statuses[1]!.error)).toContain('AccessDenied');
    expect(lines.at(-1)).toMatchObject({
      type: 'result',
      outcome: 'failed',
      exitCode: 2,
      unreadable: ['production'],
    });

    const one = await runFerry(['status', 'staging'], { cwd, env: sandbox.env });
    expect(one.code, one.stderr).toBe(0);
    await sandbox.control.clearFaults();
  }, 60_000);
});
