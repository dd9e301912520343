/** Database over RDS: status and manual snapshots, for a DB instance or an Aurora cluster. */
import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  type DBClusterSnapshot,
  type DBSnapshot,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import type { Database, DbSnapshot } from '../pipeline/ports.ts';
import { isAwsError } from './errors.ts';

// The SDK names exceptions by their shape ("...Fault"); the wire code omits it.
const INSTANCE_NOT_FOUND = ['DBInstanceNotFoundFault', 'DBInstanceNotFound'];
const CLUSTER_NOT_FOUND = ['DBClusterNotFoundFault', 'DBClusterNotFound'];
const SNAPSHOT_NOT_FOUND = ['DBSnapshotNotFoundFault', 'DBSnapshotNotFound'];
const CLUSTER_SNAPSHOT_NOT_FOUND = ['DBClusterSnapshotNotFoundFault', 'DBClusterSnapshotNotFound'];

function toTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function fromTags(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

function toSnapshot(
  id: string | undefined,
  s: Pick<DBSnapshot & DBClusterSnapshot, 'Status' | 'SnapshotCreateTime' | 'PercentProgress' | 'TagList'>,
): DbSnapshot {
  const snapshot: DbSnapshot = { id: id ?? '', status: s.Status ?? 'unknown', tags: fromTags(s.TagList) };
  if (s.SnapshotCreateTime) snapshot.createdAt = s.SnapshotCreateTime;
  if (s.PercentProgress !== undefined) snapshot.percentProgress = s.PercentProgress;
  return snapshot;
}

async function ignoring<T>(names: string[], fallback: T, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isAwsError(err, ...names)) return fallback;
    throw err;
  }
}

export function createInstanceDatabase(client: () => RDSClient): Database {
  return {
    describeStatus: (identifier) =>
      ignoring(INSTANCE_NOT_FOUND, undefined, async () => {
        const out = await client().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
        return out.DBInstances?.[0]?.DBInstanceStatus;
      }),

    async createSnapshot(identifier, snapshotId, tags) {
      const out = await client().send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: identifier,
          DBSnapshotIdentifier: snapshotId,
          Tags: toTags(tags),
        }),
      );
      return toSnapshot(out.DBSnapshot?.DBSnapshotIdentifier ?? snapshotId, {
        TagList: toTags(tags),
        ...out.DBSnapshot,
      });
    },

    describeSnapshot: (snapshotId) =>
      ignoring(SNAPSHOT_NOT_FOUND, undefined, async () => {
        const out = await client().send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
        const s = out.DBSnapshots?.[0];
        return s ? toSnapshot(s.DBSnapshotIdentifier, s) : undefined;
      }),

    async listSnapshots(identifier) {
      const snapshots: DbSnapshot[] = [];
      let marker: string | undefined;
      do {
        const out = await client().send(
          new DescribeDBSnapshotsCommand({
            DBInstanceIdentifier: identifier,
            SnapshotType: 'manual',
            Marker: marker,
          }),
        );
        for (const s of out.DBSnapshots ?? []) snapshots.push(toSnapshot(s.DBSnapshotIdentifier, s));
        marker = out.Marker;
      } while (marker);
      return snapshots;
    },

    async deleteSnapshot(snapshotId) {
      await ignoring(SNAPSHOT_NOT_FOUND, undefined, async () => {
        await client().send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshotId }));
      });
    },
  };
}

export function createClusterDatabase(client: () => RDSClient): Database {
  return {
    describeStatus: (identifier) =>
      ignoring(CLUSTER_NOT_FOUND, undefined, async () => {
        const out = await client().send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
        return out.DBClusters?.[0]?.Status;
      }),

    async createSnapshot(identifier, snapshotId, tags) {
      const out = await client().send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: identifier,
          DBClusterSnapshotIdentifier: snapshotId,
          Tags: toTags(tags),
        }),
      );
      const s = out.DBClusterSnapshot;
      return toSnapshot(s?.DBClusterSnapshotIdentifier ?? snapshotId, { TagList: toTags(tags), ...s });
    },

    describeSnapshot: (snapshotId) =>
      ignoring(CLUSTER_SNAPSHOT_NOT_FOUND, undefined, async () => {
        const out = await client().send(
          new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshotId }),
        );
        const s = out.DBClusterSnapshots?.[0];
        return s ? toSnapshot(s.DBClusterSnapshotIdentifier, s) : undefined;
      }),

    async listSnapshots(identifier) {
      const snapshots: DbSnapshot[] = [];
      let marker: string | undefined;
      do {
        const out = await client().send(
          new DescribeDBClusterSnapshotsCommand({
            DBClusterIdentifier: identifier,
            SnapshotType: 'manual',
            Marker: marker,
          }),
        );
        for (const s of out.DBClusterSnapshots ?? [])
          snapshots.push(toSnapshot(s.DBClusterSnapshotIdentifier, s));
        marker = out.Marker;
      } while (marker);
      return snapshots;
    },

    async deleteSnapshot(snapshotId) {
      await ignoring(CLUSTER_SNAPSHOT_NOT_FOUND, undefined, async () => {
        await client().send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snapshotId }));
      });
    },
  };
}
