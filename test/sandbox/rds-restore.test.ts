// RestoreDBInstanceFromDBSnapshot in the simulated mode (real mode: test/e2e/real-mode.test.ts).
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let rds: RDSClient;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  await sandbox.control.seed({ app: 'shop', environments: ['staging'] });
  rds = new RDSClient({ ...sandbox.clientConfig, maxAttempts: 1 });
  await rds.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'shop-staging', DBSnapshotIdentifier: 'before' }),
  );
  for (let i = 0; i < 100; i++) {
    const out = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'before' }));
    if (out.DBSnapshots![0]!.Status === 'available') break;
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(() => sandbox?.stop());

describe('RestoreDBInstanceFromDBSnapshot', () => {
  it('creates a new instance from an available snapshot', async () => {
    const out = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'scratch',
        DBSnapshotIdentifier: 'before',
      }),
    );
    expect(out.DBInstance?.DBInstanceIdentifier).toBe('scratch');
    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'scratch' }));
    expect(described.DBInstances![0]!.DBInstanceStatus).toBe('available');
  });

  it('refuses an identifier already taken, and an unknown snapshot', async () => {
    await expect(
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: 'shop-staging',
          DBSnapshotIdentifier: 'before',
        }),
      ),
    ).rejects.toMatchObject({ name: 'DBInstanceAlreadyExistsFault' });
    await expect(
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: 'other',
          DBSnapshotIdentifier: 'nope',
        }),
      ),
    ).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault' });
  });

  it('refuses an invalid instance identifier', async () => {
    await expect(
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: '1bad--id',
          DBSnapshotIdentifier: 'before',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});
