import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeAccountAttributesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createPreflightReader } from '../../../src/aws/preflight.ts';

const ecrMock = mockClient(ECRClient);
const rdsMock = mockClient(RDSClient);
const reader = createPreflightReader(
  () => new ECRClient({ region: 'eu-west-1' }),
  () => new RDSClient({ region: 'eu-west-1' }),
);
afterEach(() => {
  ecrMock.reset();
  rdsMock.reset();
});

describe('the doctor’s reads', () => {
  it('counts only IMMUTABLE as immutable tags (with exclusions, some tags still move)', async () => {
    for (const [mutability, immutable] of [
      ['IMMUTABLE', true],
      ['IMMUTABLE_WITH_EXCLUSION', false],
      ['MUTABLE', false],
    ] as const) {
      ecrMock.on(DescribeRepositoriesCommand).resolves({
        repositories: [
          { repositoryName: 'shop-staging', repositoryUri: 'x/shop-staging', imageTagMutability: mutability },
        ],
      });
      expect((await reader.repository('shop-staging'))?.immutableTags).toBe(immutable);
    }
  });

  it('treats a missing repository as absent', async () => {
    ecrMock
      .on(DescribeRepositoriesCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'RepositoryNotFoundException' }));
    expect(await reader.repository('nope')).toBeUndefined();
  });

  it('reads the ManualSnapshots quota (ManualClusterSnapshots first for a cluster)', async () => {
    rdsMock.on(DescribeAccountAttributesCommand).resolves({
      AccountQuotas: [
        { AccountQuotaName: 'DBInstances', Used: 3, Max: 40 },
        { AccountQuotaName: 'ManualSnapshots', Used: 97, Max: 100 },
        { AccountQuotaName: 'ManualClusterSnapshots', Used: 5, Max: 100 },
      ],
    });
    expect(await reader.manualSnapshotQuota('instance')).toEqual({ used: 97, max: 100 });
    expect(await reader.manualSnapshotQuota('cluster')).toEqual({ used: 5, max: 100 });
  });
});
