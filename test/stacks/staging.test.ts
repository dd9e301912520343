import { beforeAll, describe, expect, it } from 'vitest';
import { describeEnvironmentGuarantees, runStack } from './guarantees.ts';
import type { StackRun } from './harness.ts';

let run: StackRun;
beforeAll(async () => {
  run = await runStack('staging');
});

describe('staging stack (Pulumi.staging.yaml)', () => {
  describeEnvironmentGuarantees(
    {
      stack: 'staging',
      azCount: 2,
      natGateways: 1,
      logRetentionDays: 14,
      containerInsights: 'disabled',
      subjects: [
        'repo:acme/shop:ref:refs/heads/main',
        'repo:acme@1234567/shop@987654321:ref:refs/heads/main',
      ],
      promoteSources: [],
      promoteSourceSubjects: [
        'repo:acme/shop:environment:production',
        'repo:acme@1234567/shop@987654321:environment:production',
      ],
    },
    () => run,
  );

  it('keeps a cheap single-AZ database: 1-day backups, no final snapshot, no deletion protection', () => {
    const db = run.one('aws:rds/instance:Instance').inputs;
    expect(db).toMatchObject({
      identifier: 'shop-staging',
      instanceClass: 'db.t4g.micro',
      multiAz: false,
      backupRetentionPeriod: 1,
      skipFinalSnapshot: true,
      deletionProtection: false,
      performanceInsightsEnabled: false,
    });
    expect(db.finalSnapshotIdentifier).toBeUndefined();
  });

  it('creates the account’s GitHub OIDC provider for the STS audience', () => {
    const provider = run.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider').inputs;
    expect(provider.url).toBe('https://token.actions.githubusercontent.com');
    expect(provider.clientIdLists).toEqual(['sts.amazonaws.com']);
    expect(run.calls.map((c) => c.token)).not.toContain(
      'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider',
    );
  });

  it('runs one task', () => {
    expect(run.one('aws:ecs/service:Service').inputs.desiredCount).toBe(1);
  });
});
