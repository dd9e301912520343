import { describe, expect, it } from 'vitest';
import { diffResources } from '../../../src/infra/diff.ts';
import type { RecordedResource } from '../../../src/infra/model.ts';
import {
  database,
  ECR,
  INGRESS,
  OIDC,
  policy,
  ROLE,
  ROLE_POLICY,
  resource,
  SERVICE,
  SG,
  SSM,
} from './fixtures.ts';

const dangersOf = (before: RecordedResource[], after: RecordedResource[]) =>
  diffResources(before, after).changes.flatMap((c) => c.dangers);

describe('dangerous changes', () => {
  it.each([
    ['engine', { engine: 'mysql' }],
    ['identifier', { identifier: 'shop-staging-2' }],
    ['dbSubnetGroupName', { dbSubnetGroupName: 'other' }],
    ['storageEncrypted', { storageEncrypted: false }],
    ['availabilityZone', { availabilityZone: 'eu-west-1b' }],
  ])('flags replacing the database by changing %s as data loss', (property, change) => {
    const [danger] = dangersOf([database()], [database(change)]);
    expect(danger).toMatchObject({ level: 'danger', code: 'replace-stateful' });
    expect(danger?.message).toContain(`changing ${property} forces a new one`);
    expect(danger?.message).toContain('its data');
  });

  it('does not flag an in-place database change', () => {
    expect(
      dangersOf([database()], [database({ instanceClass: 'db.t4g.small', engineVersion: '17.2' })]),
    ).toEqual([]);
  });

  it.each([
    ['the database', database()],
    ['the ECR repository', resource(ECR, 'shop-staging', { name: 'shop-staging' })],
    [
      'the environment descriptor',
      resource(SSM, 'desc', { name: '/ferry/shop/staging/descriptor', type: 'String' }),
    ],
    [
      'the GitHub OIDC provider',
      resource(OIDC, 'github', { url: 'https://token.actions.githubusercontent.com' }),
    ],
  ])('flags deleting %s', (_what, stateful) => {
    const [danger] = dangersOf([stateful], []);
    expect(danger).toMatchObject({ level: 'danger', code: 'delete-stateful' });
  });

  it('does not flag deleting an ordinary SSM parameter', () => {
    expect(dangersOf([resource(SSM, 'other', { name: '/shop/feature-flag' })], [])).toEqual([]);
  });

  it('only warns when a deleted stateful resource is retained in AWS', () => {
    const kept = { ...database(), options: { retainOnDelete: true } };
    expect(dangersOf([kept], [])).toEqual([
      expect.objectContaining({ level: 'warning', code: 'delete-stateful' }),
    ]);
  });

  it('flags a security group rule newly open to the whole internet', () => {
    const before = resource(INGRESS, 'db-in', {
      ipProtocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: 'sg-1',
    });
    const after = resource(INGRESS, 'db-in', {
      ipProtocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      cidrIpv4: '0.0.0.0/0',
    });
    const [danger] = dangersOf([before], [after]);
    expect(danger).toMatchObject({ level: 'danger', code: 'open-to-world' });
    expect(danger?.message).toContain('tcp port 5432 from 0.0.0.0/0');
  });

  it('flags world-open ingress inside a security group, and only warns for web ports', () => {
    const sg = (ingress: unknown[]) => resource(SG, 'alb', { name: 'alb', ingress });
    const web = { protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] };
    const ssh = { protocol: 'tcp', fromPort: 22, toPort: 22, ipv6CidrBlocks: ['::/0'] };
    expect(dangersOf([sg([])], [sg([web])])).toEqual([
      expect.objectContaining({ level: 'warning', code: 'open-to-world' }),
    ]);
    const [danger] = dangersOf([sg([web])], [sg([web, ssh])]);
    expect(danger).toMatchObject({ level: 'danger' });
    expect(danger?.message).toContain('tcp port 22 from ::/0');
    expect(danger?.message).not.toContain('443');
  });

  it('does not flag a rule that was already open', () => {
    const rule = resource(INGRESS, 'alb-in', {
      ipProtocol: 'tcp',
      fromPort: 80,
      toPort: 80,
      cidrIpv4: '0.0.0.0/0',
      tags: { a: '1' },
    });
    const retagged = { ...rule, inputs: { ...rule.inputs, tags: { a: '2' } } };
    expect(dangersOf([rule], [retagged])).toEqual([]);
  });

  it('lists the actions an IAM policy change adds', () => {
    const before = resource(ROLE_POLICY, 'deploy', {
      role: 'deploy',
      policy: policy(['ecs:DescribeServices']),
    });
    const after = resource(ROLE_POLICY, 'deploy', {
      role: 'deploy',
      policy: policy(['ecs:DescribeServices', 'ecs:DeleteService', 'ECS:DESCRIBESERVICES']),
    });
    expect(dangersOf([before], [after])).toEqual([
      {
        level: 'warning',
        code: 'iam-actions-added',
        message: 'deploy policy allows 1 more action: ecs:DeleteService',
      },
    ]);
    const wildcard = resource(ROLE_POLICY, 'deploy', {
      role: 'deploy',
      policy: policy(['ecs:DescribeServices', 'iam:*']),
    });
    expect(dangersOf([before], [wildcard])[0]).toMatchObject({
      level: 'danger',
      message: expect.stringContaining('iam:*'),
    });
  });

  it('does not flag an IAM policy that only loses actions', () => {
    const before = resource(ROLE_POLICY, 'deploy', { policy: policy(['a:B', 'a:C']) });
    const after = resource(ROLE_POLICY, 'deploy', { policy: policy(['a:B']) });
    expect(dangersOf([before], [after])).toEqual([]);
  });

  it('warns when a role changes who may assume it', () => {
    const trust = (sub: string) =>
      JSON.stringify({
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { sub } } },
        ],
      });
    const before = resource(ROLE, 'deploy', {
      assumeRolePolicy: trust('repo:acme/shop:ref:refs/heads/main'),
    });
    const after = resource(ROLE, 'deploy', { assumeRolePolicy: trust('repo:acme/*') });
    expect(dangersOf([before], [after])).toEqual([
      expect.objectContaining({ code: 'trust-policy-changed', level: 'warning' }),
    ]);
  });

  it.each([
    ['name', { name: 'shop-staging-api' }],
    ['cluster', { cluster: 'arn:aws:ecs:eu-west-1:111111111111:cluster/other' }],
    ['launchType', { launchType: 'EC2' }],
  ])('flags replacing the ECS service (changing %s) as reverting the release', (property, change) => {
    const inputs = {
      name: 'shop-staging-web',
      cluster: 'arn:aws:ecs:eu-west-1:111111111111:cluster/shop-staging',
      launchType: 'FARGATE',
      desiredCount: 1,
    };
    const options = { ignoreChanges: ['taskDefinition'], protect: true };
    const dangers = dangersOf(
      [resource(SERVICE, 'web', inputs, options)],
      [resource(SERVICE, 'web', { ...inputs, ...change }, options)],
    );
    expect(dangers).toEqual([expect.objectContaining({ level: 'danger', code: 'replace-service' })]);
    expect(dangers[0]?.message).toContain(`changing ${property} forces a new one`);
    expect(dangers[0]?.message).toContain('its bootstrap revision');
    expect(dangers[0]?.message).toContain('reverting the release ferry deployed');
  });

  it('flags the ECS service no longer ignoring its task definition', () => {
    const before = resource(SERVICE, 'web', { desiredCount: 1 }, { ignoreChanges: ['taskDefinition'] });
    const after = resource(SERVICE, 'web', { desiredCount: 1 });
    const [danger] = dangersOf([before], [after]);
    expect(danger).toMatchObject({ level: 'danger', code: 'ignore-changes-removed' });
    expect(danger?.message).toContain('reverts the release');
  });

  it('flags a stateful resource losing protect', () => {
    const before = { ...database(), options: { protect: true } };
    expect(dangersOf([before], [database()])).toEqual([
      expect.objectContaining({ code: 'protection-removed', level: 'danger' }),
    ]);
  });
});
