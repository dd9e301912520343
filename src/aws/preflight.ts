/** Read-only lookups only `ferry doctor` makes: repository settings and the RDS snapshot quota. */
import { DescribeRepositoriesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { DescribeAccountAttributesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { isAwsError } from './errors.ts';

export interface RepositorySettings {
  name: string;
  uri: string;
  immutableTags: boolean;
}

export interface Quota {
  used: number;
  max: number;
}

export interface PreflightReader {
  /** undefined when the repository does not exist. */
  repository(name: string): Promise<RepositorySettings | undefined>;
  /** The account's manual DB snapshot quota (`ManualSnapshots`), or undefined when RDS does not report it. */
  manualSnapshotQuota(kind: 'instance' | 'cluster'): Promise<Quota | undefined>;
}

export function createPreflightReader(ecr: () => ECRClient, rds: () => RDSClient): PreflightReader {
  return {
    async repository(name) {
      try {
        const out = await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
        const repo = out.repositories?.[0];
        if (!repo) return undefined;
        return {
          name: repo.repositoryName ?? name,
          uri: repo.repositoryUri ?? '',
          // IMMUTABLE_WITH_EXCLUSION still lets excluded tags move: only IMMUTABLE pins every SHA.
          immutableTags: repo.imageTagMutability === 'IMMUTABLE',
        };
      } catch (err) {
        if (isAwsError(err, 'RepositoryNotFoundException')) return undefined;
        throw err;
      }
    },
    async manualSnapshotQuota(kind) {
      const out = await rds().send(new DescribeAccountAttributesCommand({}));
      // Aurora cluster snapshots count against ManualClusterSnapshots where RDS reports it.
      const names = kind === 'cluster' ? ['ManualClusterSnapshots', 'ManualSnapshots'] : ['ManualSnapshots'];
      for (const name of names) {
        const quota = out.AccountQuotas?.find((q) => q.AccountQuotaName === name);
        if (quota?.Max !== undefined) return { used: quota.Used ?? 0, max: quota.Max };
      }
      return undefined;
    },
  };
}
