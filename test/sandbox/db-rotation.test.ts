// The chosen path across RDS password rotations: the task role reads the managed secret, and the
// app (examples/app/db-password.ts) re-reads it when the database refuses the injected password.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWithRotatingPassword, createPasswordSource } from '../../examples/app/db-password.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
});

const db = 'rot-staging';

async function world() {
  await sandbox.control.seed({ app: 'rot', environments: ['staging'] });
  const rds = new RDSClient(sandbox.clientConfig);
  const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db }));
  const secretArn = out.DBInstances?.[0]?.MasterUserSecret?.SecretArn;
  expect(secretArn).toMatch(/^arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-/);
  const sm = new SecretsManagerClient(sandbox.clientConfig);
  const fetchSecret = async (arn: string) =>
    (await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '';
  // What ECS injects as DATABASE_PASSWORD when the task starts.
  const injected = JSON.parse(await fetchSecret(secretArn!)).password as string;
  const logins: string[] = [];
  const connect = async (password: string) => {
    const answer = await sandbox.control.dbLogin(db, 'app', password);
    logins.push(answer.ok ? 'ok' : answer.code);
    if (!answer.ok) throw Object.assign(new Error(answer.message), { code: answer.code });
    return password;
  };
  return { secretArn: secretArn!, fetchSecret, injected, connect, logins };
}

describe('a rotated database password', () => {
  it('breaks a task that keeps the injected password, and the re-read path survives it', async () => {
    const w = await world();
    const source = createPasswordSource({
      initial: w.injected,
      secretArn: w.secretArn,
      fetchSecret: w.fetchSecret,
    });
    expect(await connectWithRotatingPassword(source, w.connect)).toBe(w.injected);

    await sandbox.control.rotateSecret(w.secretArn);
    // The password ECS injected at task start is now refused, as after RDS's weekly rotation.
    await expect(w.connect(w.injected)).rejects.toMatchObject({ code: '28P01' });

    const fresh = await connectWithRotatingPassword(source, w.connect);
    expect(fresh).not.toBe(w.injected);
    expect(w.logins).toEqual(['ok', '28P01', '28P01', 'ok']);
    // Later connections use the fresh password at once.
    expect(await connectWithRotatingPassword(source, w.connect)).toBe(fresh);
    expect(w.logins.at(-1)).toBe('ok');
    expect(w.logins).toHaveLength(5);
  }, 60_000);

  it('does not re-read the secret for other errors, and says what is missing without a secret ARN', async () => {
    const w = await world();
    const source = createPasswordSource({
      initial: w.injected,
      secretArn: w.secretArn,
      fetchSecret: w.fetchSecret,
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(connectWithRotatingPassword(source, async () => Promise.reject(refused))).rejects.toBe(
      refused,
    );

    await sandbox.control.rotateSecret(w.secretArn);
    const blind = createPasswordSource({ initial: w.injected, fetchSecret: w.fetchSecret });
    await expect(connectWithRotatingPassword(blind, w.connect)).rejects.toThrow(
      /DATABASE_SECRET_ARN is not set/,
    );
  }, 60_000);
});
