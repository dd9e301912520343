import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DBInstanceNotFoundFault,
  DBSnapshotNotFoundFault,
  DeleteDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterDatabase, createInstanceDatabase } from '../../../src/aws/rds.ts';

const rdsMock = mockClient(RDSClient);
const client = new RDSClient({ region: 'eu-west-1' });
const instance = createInstanceDatabase(() => client);
const cluster = createClusterDatabase(() => client);

afterEach(() => rdsMock.reset());

describe('RDS instance database', () => {
  it('reads the instance status, and undefined for an unknown instance', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'shop-staging' })
      .resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] })
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'typo' })
      .rejects(new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} }));
    expect(await instance.describeStatus('shop-staging')).toBe('available');
    expect(await instance.describeStatus('typo')).toBeUndefined();
  });

  it('creates a snapshot carrying the given tags (PascalCase)', async () => {
    rdsMock.on(CreateDBSnapshotCommand).resolves({
      DBSnapshot: {
        DBSnapshotIdentifier: 'ferry-staging-abc1234-20261122100000',
        Status: 'creating',
        PercentProgress: 0,
      },
    });
    const snapshot = await instance.createSnapshot('shop-staging', 'ferry-staging-abc1234-20261122100000', {
      'ferry:sha': 'abc1234',
      'ferry:app': 'shop',
    });
    expect(rdsMock.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: 'shop-staging',
      DBSnapshotIdentifier: 'ferry-staging-abc1234-20261122100000',
      Tags: [
        { Key: 'ferry:sha', Value: 'abc1234' },
        { Key: 'ferry:app', Value: 'shop' },
      ],
    });
    expect(snapshot).toEqual({
      id: 'ferry-staging-abc1234-20261122100000',
      status: 'creating',
      percentProgress: 0,
      tags: { 'ferry:sha': 'abc1234', 'ferry:app': 'shop' },
    });
  });

  it('describes a snapshot, and undefined when it is not found', async () => {
    const createdAt = new Date('2026-11-22T10:00:00Z');
    rdsMock
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 's1' })
      .resolves({
        DBSnapshots: [
          {
            DBSnapshotIdentifier: 's1',
            Status: 'available',
            SnapshotCreateTime: createdAt,
            TagList: [{ Key: 'a', Value: 'b' }],
          },
        ],
      })
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'gone' })
      .rejects(new DBSnapshotNotFoundFault({ message: 'not found', $metadata: {} }));
    expect(await instance.describeSnapshot('s1')).toEqual({
      id: 's1',
      status: 'available',
      createdAt,
      tags: { a: 'b' },
    });
    expect(await instance.describeSnapshot('gone')).toBeUndefined();
  });

  it('lists only manual snapshots of the instance, across pages', async () => {
    rdsMock
      .on(DescribeDBSnapshotsCommand, { Marker: undefined })
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 'a', Status: 'available' }], Marker: 'm2' })
      .on(DescribeDBSnapshotsCommand, { Marker: 'm2' })
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 'b', Status: 'available' }] });
    const list = await instance.listSnapshots('shop-staging');
    expect(list.map((s) => s.id)).toEqual(['a', 'b']);
    expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand)[0]?.args[0].input).toMatchObject({
      DBInstanceIdentifier: 'shop-staging',
      SnapshotType: 'manual',
    });
  });

  it('deletes a snapshot by identifier', async () => {
    rdsMock.on(DeleteDBSnapshotCommand).resolves({});
    await instance.deleteSnapshot('old');
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'old' })).toHaveLength(1);
  });
});

describe('RDS cluster database', () => {
  it('uses the cluster APIs for status and snapshots', async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Status: 'available' }] });
    rdsMock.on(CreateDBClusterSnapshotCommand).resolves({
      DBClusterSnapshot: { DBClusterSnapshotIdentifier: 'ferry-x', Status: 'creating' },
    });
    expect(await cluster.describeStatus('shop-aurora')).toBe('available');
    const snapshot = await cluster.createSnapshot('shop-aurora', 'ferry-x', { 'ferry:sha': 'abc1234' });
    expect(snapshot).toMatchObject({ id: 'ferry-x', status: 'creating', tags: { 'ferry:sha': 'abc1234' } });
    expect(rdsMock.commandCalls(CreateDBClusterSnapshotCommand)[0]?.args[0].input).toEqual({
      DBClusterIdentifier: 'shop-aurora',
      DBClusterSnapshotIdentifier: 'ferry-x',
      Tags: [{ Key: 'ferry:sha', Value: 'abc1234' }],
    });
    expect(rdsMock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(0);
  });
});
