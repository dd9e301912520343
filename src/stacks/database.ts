import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { POSTGRES_PORT } from './firewall.ts';

export interface DatabaseArgs {
  /**
   * The DB instance identifier, such as `shop-staging`.
   */
  name: string;
  /**
   * Private subnets (two AZs at least) the instance may live in.
   */
  subnetIds: pulumi.Input<string>[];
  /**
   * The security group that admits the ECS tasks and nothing else.
   */
  securityGroupId: pulumi.Input<string>;
  /**
   * Production settings by default (multi-AZ, deletion protection, 14-day backups, a final
   * snapshot, Performance Insights); `false` gives staging's (single AZ, 1 day, no final snapshot).
   * @default false
   */
  production?: boolean;
  /**
   * PostgreSQL major version.
   * @default "17"
   */
  engineVersion?: string;
  /**
   * Instance class.
   * @default "db.t4g.micro" (staging), "db.t4g.medium" (production)
   */
  instanceClass?: string;
  /**
   * Initial storage in GiB (gp3).
   * @default 20
   */
  allocatedStorage?: number;
  /**
   * Storage autoscaling ceiling in GiB: greater than `allocatedStorage`, or 0 for no autoscaling.
   * @default 100
   */
  maxAllocatedStorage?: number;
  /**
   * The database the application connects to.
   * @default "app"
   */
  databaseName?: string;
  /**
   * The master user; its password is generated and rotated by RDS in Secrets Manager.
   * @default "app"
   */
  username?: string;
  /**
   * A standby in a second AZ.
   * @default production
   */
  multiAz?: boolean;
  /**
   * Refuse DeleteDBInstance until switched off.
   * @default production
   */
  deletionProtection?: boolean;
  /**
   * Days of automated backups (point-in-time recovery window).
   * @default 14 (production), 1 (staging)
   */
  backupRetentionDays?: number;
  /**
   * Skip the final snapshot when the instance is deleted.
   * @default !production
   */
  skipFinalSnapshot?: boolean;
  /**
   * Performance Insights (7 days, free tier).
   * @default production
   */
  performanceInsights?: boolean;
  /**
   * Tags added to every resource (RDS copies them to snapshots).
   * @default {}
   */
  tags?: Record<string, string>;
}

export interface NormalizedDatabaseArgs {
  name: string;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  engineVersion: string;
  instanceClass: string;
  allocatedStorage: number;
  maxAllocatedStorage: number;
  databaseName: string;
  username: string;
  multiAz: boolean;
  deletionProtection: boolean;
  backupRetentionDays: number;
  skipFinalSnapshot: boolean;
  performanceInsights: boolean;
  tags: Record<string, string>;
}

/** The defaults that differ between a production and a staging database. */
export function databaseProfile(production: boolean) {
  return production
    ? {
        instanceClass: 'db.t4g.medium',
        multiAz: true,
        deletionProtection: true,
        backupRetentionDays: 14,
        skipFinalSnapshot: false,
        performanceInsights: true,
      }
    : {
        instanceClass: 'db.t4g.micro',
        multiAz: false,
        deletionProtection: false,
        backupRetentionDays: 1,
        skipFinalSnapshot: true,
        performanceInsights: false,
      };
}

export function normalizeDatabaseArgs(args: DatabaseArgs): NormalizedDatabaseArgs {
  const profile = databaseProfile(args.production ?? false);
  const backupRetentionDays = args.backupRetentionDays ?? profile.backupRetentionDays;
  if (!Number.isInteger(backupRetentionDays) || backupRetentionDays < 1 || backupRetentionDays > 35) {
    throw new Error(
      `\`backupRetentionDays\` must be from 1 to 35 (0 would disable backups), got ${backupRetentionDays}`,
    );
  }
  if (args.subnetIds.length < 2) {
    throw new Error('`subnetIds` must list subnets in two AZs at least (an RDS subnet group requires it)');
  }
  const allocatedStorage = args.allocatedStorage ?? 20;
  const maxAllocatedStorage = args.maxAllocatedStorage ?? 100;
  // RDS refuses a ceiling equal to the allocation: autoscaling needs room above it (0 turns it off).
  if (maxAllocatedStorage !== 0 && maxAllocatedStorage <= allocatedStorage) {
    throw new Error(
      `\`maxAllocatedStorage\` (${maxAllocatedStorage}) must be greater than \`allocatedStorage\` (${allocatedStorage}), or 0 to turn storage autoscaling off`,
    );
  }
  return {
    name: args.name,
    subnetIds: args.subnetIds,
    securityGroupId: args.securityGroupId,
    engineVersion: args.engineVersion ?? '17',
    instanceClass: args.instanceClass ?? profile.instanceClass,
    allocatedStorage,
    maxAllocatedStorage,
    databaseName: args.databaseName ?? 'app',
    username: args.username ?? 'app',
    multiAz: args.multiAz ?? profile.multiAz,
    deletionProtection: args.deletionProtection ?? profile.deletionProtection,
    backupRetentionDays,
    skipFinalSnapshot: args.skipFinalSnapshot ?? profile.skipFinalSnapshot,
    performanceInsights: args.performanceInsights ?? profile.performanceInsights,
    tags: args.tags ?? {},
  };
}

/**
 * The snapshot RDS takes when the instance is deleted (unless skipped):
 * `<name>-final-<yyyymmddhhmmss>` of when the instance was created. A fixed id
 * would make the second deletion of an instance of that name fail (the first
 * final snapshot still exists); `ignoreChanges` keeps the id of each instance.
 */
export function finalSnapshotIdentifier(name: string, createdAt: Date): string {
  const stamp = createdAt.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${name}-final-${stamp}`;
}

/** RDS PostgreSQL in private subnets with its master password managed in Secrets Manager. */
export class Database extends pulumi.ComponentResource {
  readonly identifier: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly databaseName: string;
  readonly username: string;
  /** The Secrets Manager secret holding `{username, password}`. */
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:Database', name, {}, opts);
    const settings = normalizeDatabaseArgs(args);
    const instance = createDatabase(settings, this);
    this.identifier = instance.identifier;
    this.arn = instance.arn;
    this.address = instance.address;
    this.port = instance.port;
    this.databaseName = settings.databaseName;
    this.username = settings.username;
    this.secretArn = instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets[0]?.secretArn;
      if (!arn) throw new Error(`RDS reported no managed master secret for ${settings.name}`);
      return arn;
    });
    this.registerOutputs({ identifier: this.identifier });
  }
}

function createDatabase(args: NormalizedDatabaseArgs, parent: pulumi.Resource): aws.rds.Instance {
  const subnetGroup = new aws.rds.SubnetGroup(
    args.name,
    { subnetIds: args.subnetIds, tags: args.tags },
    { parent },
  );
  return new aws.rds.Instance(
    args.name,
    {
      identifier: args.name,
      engine: 'postgres',
      engineVersion: args.engineVersion,
      instanceClass: args.instanceClass,
      allocatedStorage: args.allocatedStorage,
      maxAllocatedStorage: args.maxAllocatedStorage,
      storageType: 'gp3',
      storageEncrypted: true,
      dbName: args.databaseName,
      username: args.username,
      manageMasterUserPassword: true,
      port: POSTGRES_PORT,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [args.securityGroupId],
      publiclyAccessible: false,
      multiAz: args.multiAz,
      deletionProtection: args.deletionProtection,
      backupRetentionPeriod: args.backupRetentionDays,
      copyTagsToSnapshot: true,
      skipFinalSnapshot: args.skipFinalSnapshot,
      finalSnapshotIdentifier: args.skipFinalSnapshot
        ? undefined
        : finalSnapshotIdentifier(args.name, new Date()),
      performanceInsightsEnabled: args.performanceInsights,
      performanceInsightsRetentionPeriod: args.performanceInsights ? 7 : undefined,
      autoMinorVersionUpgrade: true,
      // Major upgrades are a planned change, never a side effect of `pulumi up`.
      allowMajorVersionUpgrade: false,
      applyImmediately: false,
      tags: args.tags,
    },
    // Set once per instance: a later `pulumi up` must not rename the final snapshot.
    { parent, ignoreChanges: ['finalSnapshotIdentifier'] },
  );
}
