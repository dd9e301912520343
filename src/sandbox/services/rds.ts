import { AwsError } from '../protocol/errors.ts';
import { list, type XmlNode } from '../protocol/query.ts';
import type { QueryService } from '../protocol/types.ts';

export interface DbInstance {
  identifier: string;
  arn: string;
  engine: string;
  createdAt: number;
  status: string;
  region: string;
  account: string;
  /** The RDS-managed master user secret (ManageMasterUserPassword). */
  masterUserSecretArn?: string;
}

interface DbSnapshot {
  identifier: string;
  instance: DbInstance;
  createdAt: number;
  tags: { Key: string; Value: string }[];
  /** Fails half-way, as a snapshot of a broken volume does (fault `snapshotsFail`). */
  fails?: boolean;
}

/** Simulated seconds a snapshot takes to become available. */
const SNAPSHOT_MS = 20_000;

/** Real mode: instances are real PostgreSQL clusters and snapshots real backups. */
export interface RealDatabases {
  endpoint(identifier: string): { Address: string; Port: number } | undefined;
  snapshotCreated(snapshotIdentifier: string, instanceIdentifier: string): void;
  /** `creating` until the backup is written. */
  snapshotStatus(snapshotIdentifier: string): 'creating' | 'available' | 'failed';
  snapshotDeleted(snapshotIdentifier: string): void;
  restore(instanceIdentifier: string, snapshotIdentifier: string): Promise<void>;
}

export class RdsStore {
  readonly instances = new Map<string, DbInstance>();
  readonly snapshots = new Map<string, DbSnapshot>();
  real?: RealDatabases;
  /** The account's manual snapshot quota (AWS's default is 100). */
  manualSnapshotQuota = 100;
}

/** AWS's rule: letters, digits and hyphens, a letter first, no trailing or double hyphen. */
export function validSnapshotIdentifier(id: string, max = 255): boolean {
  return (
    id.length >= 1 &&
    id.length <= max &&
    /^[A-Za-z][A-Za-z0-9-]*$/.test(id) &&
    !id.endsWith('-') &&
    !id.includes('--')
  );
}

function snapshotXml(s: DbSnapshot, now: number, real?: RealDatabases): XmlNode {
  const realStatus = real?.snapshotStatus(s.identifier);
  const progress =
    realStatus === undefined
      ? Math.min(100, Math.floor(((now - s.createdAt) / SNAPSHOT_MS) * 100))
      : realStatus === 'available'
        ? 100
        : 0;
  return {
    DBSnapshotIdentifier: s.identifier,
    DBInstanceIdentifier: s.instance.identifier,
    SnapshotCreateTime: new Date(s.createdAt),
    Engine: s.instance.engine,
    AllocatedStorage: 20,
    Status: realStatus ?? (s.fails && progress >= 50 ? 'failed' : progress >= 100 ? 'available' : 'creating'),
    Port: 5432,
    AvailabilityZone: `${s.instance.region}a`,
    InstanceCreateTime: new Date(s.instance.createdAt),
    MasterUsername: 'app',
    EngineVersion: '16.4',
    SnapshotType: 'manual',
    PercentProgress: progress,
    StorageType: 'gp3',
    Encrypted: true,
    DBSnapshotArn: `arn:aws:rds:${s.instance.region}:${s.instance.account}:snapshot:${s.identifier}`,
    TagList: list(
      'Tag',
      s.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    ),
  };
}

function instanceXml(i: DbInstance, real?: RealDatabases): XmlNode {
  return {
    DBInstanceIdentifier: i.identifier,
    DBInstanceClass: 'db.t4g.micro',
    Engine: i.engine,
    DBInstanceStatus: i.status,
    MasterUsername: 'app',
    DBName: 'app',
    Endpoint: real?.endpoint(i.identifier) ?? {
      Address: `${i.identifier}.sandbox.${i.region}.rds.amazonaws.com`,
      Port: 5432,
    },
    AllocatedStorage: 20,
    InstanceCreateTime: new Date(i.createdAt),
    MultiAZ: false,
    EngineVersion: '16.4',
    StorageType: 'gp3',
    StorageEncrypted: true,
    DBInstanceArn: i.arn,
    DeletionProtection: true,
    ...(i.masterUserSecretArn
      ? { MasterUserSecret: { SecretArn: i.masterUserSecretArn, SecretStatus: 'active' } }
      : {}),
  };
}

export function rdsService(
  store: RdsStore,
  now: () => number,
  faults: { current: { snapshotsFail?: boolean } } = { current: {} },
): QueryService {
  const instance = (id: unknown) => {
    const found = store.instances.get(String(id ?? ''));
    if (!found) throw new AwsError('DBInstanceNotFound', `DBInstance ${String(id)} not found.`, 404);
    return found;
  };
  return {
    service: 'rds',
    version: '2014-10-31',
    namespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
    operations: {
      DescribeAccountAttributes: () => ({
        AccountQuotas: list('AccountQuota', [
          {
            AccountQuotaName: 'ManualSnapshots',
            Used: store.snapshots.size,
            Max: store.manualSnapshotQuota,
          },
        ]),
      }),
      DescribeDBInstances: (params) => {
        const items = params.DBInstanceIdentifier
          ? [instance(params.DBInstanceIdentifier)]
          : [...store.instances.values()];
        return {
          DBInstances: list(
            'DBInstance',
            items.map((i) => instanceXml(i, store.real)),
          ),
        };
      },
      CreateDBSnapshot: (params) => {
        const id = String(params.DBSnapshotIdentifier ?? '');
        if (!validSnapshotIdentifier(id)) {
          throw new AwsError(
            'InvalidParameterValue',
            `The parameter DBSnapshotIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
          );
        }
        const db = instance(params.DBInstanceIdentifier);
        if (store.snapshots.has(id)) {
          throw new AwsError(
            'DBSnapshotAlreadyExists',
            `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
          );
        }
        if (db.status !== 'available') {
          throw new AwsError(
            'InvalidDBInstanceState',
            `DBInstance ${db.identifier} is not in available state.`,
          );
        }
        const tags = ((params.Tags as { Key: string; Value?: string }[] | undefined) ?? []).map((t) => ({
          Key: t.Key,
          Value: t.Value ?? '',
        }));
        const snapshot = {
          identifier: id,
          instance: db,
          createdAt: now(),
          tags,
          ...(faults.current.snapshotsFail ? { fails: true } : {}),
        };
        store.snapshots.set(id, snapshot);
        store.real?.snapshotCreated(id, db.identifier);
        return { DBSnapshot: snapshotXml(snapshot, now(), store.real) };
      },
      DescribeDBSnapshots: (params) => {
        let items = [...store.snapshots.values()];
        if (params.DBSnapshotIdentifier) {
          const found = store.snapshots.get(String(params.DBSnapshotIdentifier));
          if (!found)
            throw new AwsError(
              'DBSnapshotNotFound',
              `DBSnapshot ${String(params.DBSnapshotIdentifier)} not found.`,
              404,
            );
          items = [found];
        }
        if (params.DBInstanceIdentifier)
          items = items.filter((s) => s.instance.identifier === params.DBInstanceIdentifier);
        if (params.SnapshotType && params.SnapshotType !== 'manual') items = [];
        return {
          DBSnapshots: list(
            'DBSnapshot',
            items.map((s) => snapshotXml(s, now(), store.real)),
          ),
        };
      },
      DeleteDBSnapshot: (params) => {
        const id = String(params.DBSnapshotIdentifier ?? '');
        const found = store.snapshots.get(id);
        if (!found) throw new AwsError('DBSnapshotNotFound', `DBSnapshot ${id} not found.`, 404);
        const xml = snapshotXml(found, now(), store.real);
        if (xml.Status !== 'available') {
          throw new AwsError(
            'InvalidDBSnapshotState',
            `Cannot delete the snapshot ${id} because it is being created.`,
          );
        }
        store.snapshots.delete(id);
        store.real?.snapshotDeleted(id);
        return { DBSnapshot: { ...xml, Status: 'deleted' } };
      },
      RestoreDBInstanceFromDBSnapshot: (params) => {
        const id = String(params.DBInstanceIdentifier ?? '');
        if (!validSnapshotIdentifier(id, 63)) {
          throw new AwsError(
            'InvalidParameterValue',
            'The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
          );
        }
        if (store.instances.has(id))
          throw new AwsError('DBInstanceAlreadyExists', `DB instance already exists`);
        const snapshotId = String(params.DBSnapshotIdentifier ?? '');
        const snapshot = store.snapshots.get(snapshotId);
        if (!snapshot) throw new AwsError('DBSnapshotNotFound', `DBSnapshot ${snapshotId} not found.`, 404);
        if (snapshotXml(snapshot, now(), store.real).Status !== 'available') {
          throw new AwsError('InvalidDBSnapshotState', `Snapshot ${snapshotId} is not in available state.`);
        }
        const source = snapshot.instance;
        const restored: DbInstance = {
          identifier: id,
          arn: `arn:aws:rds:${source.region}:${source.account}:db:${id}`,
          engine: source.engine,
          createdAt: now(),
          status: store.real ? 'creating' : 'available',
          region: source.region,
          account: source.account,
        };
        store.instances.set(id, restored);
        store.real?.restore(id, snapshotId).then(
          () => {
            restored.status = 'available';
          },
          () => {
            restored.status = 'failed';
          },
        );
        return { DBInstance: instanceXml(restored, store.real) };
      },
    },
  };
}
