// The stacks' fixes for problems AWS only reports after the first `pulumi up`.
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { finalSnapshotIdentifier, normalizeDatabaseArgs } from '../../src/stacks/database.ts';
import { alarmWindow, DEFAULT_INITIAL_IMAGE } from '../../src/stacks/service.ts';
import { runStack } from './guarantees.ts';
import { type StackRun, value } from './harness.ts';

let run: StackRun;
beforeAll(async () => {
  run = await runStack('staging');
});

const urnsOf = (
  resources: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined,
) => Promise.all(((resources ?? []) as pulumi.Resource[]).map((r) => value(r.urn)));

describe('the ECS service', () => {
  it('waits for the execution role policy and the private subnets’ NAT routes', async () => {
    const urns = await urnsOf(run.one('aws:ecs/service:Service').opts.dependsOn);
    expect(urns).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/aws:iam\/rolePolicy:RolePolicy::shop-staging-execution$/),
        expect.stringMatching(/aws:ec2\/routeTable:RouteTable::shop-staging-private-0$/),
        expect.stringMatching(
          /aws:ec2\/routeTableAssociation:RouteTableAssociation::shop-staging-private-1$/,
        ),
        expect.stringMatching(/aws:lb\/listener:Listener::/),
      ]),
    );
  });

  it('is protected, so a replacement cannot silently revert a release', () => {
    expect(run.one('aws:ecs/service:Service').opts.protect).toBe(true);
  });

  it('starts from a placeholder that answers the health path on PORT, so no alarm is in ALARM before the first deploy', () => {
    const containers = JSON.parse(
      run.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions,
    );
    expect(containers[0].image).toBe(DEFAULT_INITIAL_IMAGE);
    expect(containers[0].command).toBeUndefined();
    expect(containers[0].environment).toContainEqual({ name: 'PORT', value: '8080' });
  });
});

describe('the unhealthy-hosts alarm', () => {
  it('waits out the health check grace period before it can fail a deployment', () => {
    expect(alarmWindow('unhealthy-hosts', 60)).toEqual({ evaluationPeriods: 3, datapointsToAlarm: 3 });
    expect(alarmWindow('unhealthy-hosts', 300)).toEqual({ evaluationPeriods: 7, datapointsToAlarm: 7 });
    expect(alarmWindow('target-5xx', 300)).toEqual({ evaluationPeriods: 2, datapointsToAlarm: 2 });
    const alarm = run
      .ofType('aws:cloudwatch/metricAlarm:MetricAlarm')
      .find((a) => a.name.endsWith('-unhealthy-hosts'))!;
    expect(alarm.inputs).toMatchObject({ period: 60, evaluationPeriods: 3, datapointsToAlarm: 3 });
  });
});

describe('the database', () => {
  it('names each final snapshot after its instance’s creation, so a second deletion does not collide', () => {
    expect(finalSnapshotIdentifier('shop-production', new Date('2026-11-26T19:05:09.123Z'))).toBe(
      'shop-production-final-20261126190509',
    );
    expect(finalSnapshotIdentifier('db', new Date(0))).not.toBe(
      finalSnapshotIdentifier('db', new Date(1000)),
    );
    expect(run.one('aws:rds/instance:Instance').opts.ignoreChanges).toContain('finalSnapshotIdentifier');
  });

  it('requires a storage ceiling above the allocation, or 0 for no autoscaling', () => {
    const base = { name: 'db', subnetIds: ['a', 'b'], securityGroupId: 'sg', allocatedStorage: 20 };
    expect(() => normalizeDatabaseArgs({ ...base, maxAllocatedStorage: 20 })).toThrow(
      /`maxAllocatedStorage` \(20\) must be greater than `allocatedStorage` \(20\), or 0/,
    );
    expect(normalizeDatabaseArgs({ ...base, maxAllocatedStorage: 0 }).maxAllocatedStorage).toBe(0);
    expect(normalizeDatabaseArgs({ ...base, maxAllocatedStorage: 21 }).maxAllocatedStorage).toBe(21);
  });
});

describe('the deploy role', () => {
  it('may simulate its own policy (ferry doctor) and nothing else’s, and read its deployment alarms and the snapshot quota', async () => {
    const rolePolicy = run
      .ofType('aws:iam/rolePolicy:RolePolicy')
      .find((r) => r.name === 'shop-staging-deploy')!;
    const doc = JSON.parse(await value(pulumi.output(rolePolicy.inputs.policy as string)));
    const grants = (action: string) =>
      doc.Statement.filter((s: { Action: string[] }) => s.Action.includes(action)).flatMap(
        (s: { Resource: string[] }) => s.Resource,
      );
    expect(grants('iam:SimulatePrincipalPolicy')).toEqual([
      'arn:aws:iam::111111111111:role/shop-staging-deploy',
    ]);
    expect(grants('cloudwatch:DescribeAlarms')).toEqual([
      'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:shop-staging-*',
    ]);
    expect(grants('rds:DescribeAccountAttributes')).toEqual(['*']);
  });
});

describe('the database password across rotations', () => {
  it('lets the task role read the managed secret, and tells the app where it is', async () => {
    const policy = run.ofType('aws:iam/rolePolicy:RolePolicy').find((r) => r.name === 'shop-staging-task')!;
    const doc = JSON.parse(await value(pulumi.output(policy.inputs.policy as string)));
    const secretArn = await value(
      pulumi.output(
        run.one('aws:rds/instance:Instance').state.masterUserSecrets?.[0]?.secretArn as string | undefined,
      ),
    );
    expect(doc.Statement).toEqual([
      expect.objectContaining({ Action: ['secretsmanager:GetSecretValue'], Resource: [secretArn] }),
    ]);
    expect(policy.inputs.role).toBe('shop-staging-task');
    const [container] = JSON.parse(
      run.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions,
    );
    expect(container.environment).toContainEqual({ name: 'DATABASE_SECRET_ARN', value: secretArn });
  });
});
