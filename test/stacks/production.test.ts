import { beforeAll, describe, expect, it } from 'vitest';
import { describeEnvironmentGuarantees, runStack } from './guarantees.ts';
import type { StackRun } from './harness.ts';

let run: StackRun;
beforeAll(async () => {
  run = await runStack('production');
});

describe('production stack (Pulumi.production.yaml)', () => {
  describeEnvironmentGuarantees(
    {
      stack: 'production',
      azCount: 3,
      natGateways: 3,
      logRetentionDays: 90,
      containerInsights: 'enabled',
      subjects: [
        'repo:acme/shop:environment:production',
        'repo:acme@1234567/shop@987654321:environment:production',
      ],
      promoteSources: [],
    },
    () => run,
  );

  it('protects the database: multi-AZ, deletion protection, 14-day backups, final snapshot, Performance Insights', () => {
    const db = run.one('aws:rds/instance:Instance').inputs;
    expect(db).toMatchObject({
      identifier: 'shop-production',
      instanceClass: 'db.t4g.medium',
      multiAz: true,
      deletionProtection: true,
      backupRetentionPeriod: 14,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: expect.stringMatching(/^shop-production-final-\d{14}$/),
      performanceInsightsEnabled: true,
    });
  });

  it('gives every AZ its own NAT gateway', () => {
    const natIds = run.ofType('aws:ec2/natGateway:NatGateway').map((n) => n.state.id);
    const routes = run
      .ofType('aws:ec2/routeTable:RouteTable')
      .filter((t) => t.name.includes('-private-'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => t.inputs.routes[0].natGatewayId);
    expect(routes).toEqual(natIds);
  });

  it('looks up the existing GitHub OIDC provider instead of creating a second one', () => {
    expect(run.ofType('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    const lookup = run.calls.find(
      (c) => c.token === 'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider',
    );
    expect(lookup?.inputs.url).toBe('https://token.actions.githubusercontent.com');
  });

  it('runs two tasks of 0.5 vCPU / 1 GiB', () => {
    expect(run.one('aws:ecs/service:Service').inputs.desiredCount).toBe(2);
    expect(run.one('aws:ecs/taskDefinition:TaskDefinition').inputs).toMatchObject({
      cpu: '512',
      memory: '1024',
    });
  });
});
