import { describe, expect, it } from 'vitest';
import { authorizationsFor, type RequestFacts } from '../../src/sandbox/iam/authorizations.ts';
import { renameApp } from '../../src/sandbox/stack-world/extract.ts';

const ECS = 'arn:aws:ecs:eu-west-1:111111111111';
const EXECUTION = 'arn:aws:iam::111111111111:role/shop-staging-execution';
const TASK = 'arn:aws:iam::111111111111:role/shop-staging-task';

function facts(
  service: RequestFacts['service'],
  operation: string,
  params: Record<string, unknown>,
): RequestFacts {
  return {
    service,
    operation,
    params,
    region: 'eu-west-1',
    account: '111111111111',
    taskDefinitionRoles: (ref) => (ref.includes('task-definition/shop-staging-web') ? [EXECUTION, TASK] : []),
    revisionOf: (_family, revision) => (revision === undefined ? 7 : Number(revision)),
  };
}

const brief = async (f: RequestFacts) => (await authorizationsFor(f)).map((a) => `${a.action} ${a.resource}`);

describe('authorizations a request needs (from the Service Authorization Reference)', () => {
  it('authorizes DescribeServiceDeployments on both required resource types', async () => {
    const arn = `${ECS}:service-deployment/shop-staging/shop-staging-web/abc123`;
    expect(await brief(facts('ecs', 'DescribeServiceDeployments', { serviceDeploymentArns: [arn] }))).toEqual(
      [
        `ecs:DescribeServiceDeployments ${ECS}:service/shop-staging/shop-staging-web`,
        `ecs:DescribeServiceDeployments ${arn}`,
      ],
    );
  });

  it('registers in the family’s next revision, passing both roles and tagging on create', async () => {
    const auths = await authorizationsFor(
      facts('ecs', 'RegisterTaskDefinition', {
        family: 'shop-staging-web',
        executionRoleArn: EXECUTION,
        taskRoleArn: TASK,
        tags: [{ key: 'ferry:sha', value: 'abc' }],
      }),
    );
    expect(auths.map((a) => `${a.action} ${a.resource}`)).toEqual([
      `ecs:RegisterTaskDefinition ${ECS}:task-definition/shop-staging-web:8`,
      `iam:PassRole ${EXECUTION}`,
      `iam:PassRole ${TASK}`,
      `ecs:TagResource ${ECS}:task-definition/shop-staging-web:8`,
    ]);
    expect(auths[1]?.context).toEqual({ 'iam:PassedToService': 'ecs-tasks.amazonaws.com' });
    expect(auths[3]?.context).toMatchObject({
      'ecs:CreateAction': 'RegisterTaskDefinition',
      'aws:TagKeys': ['ferry:sha'],
    });
  });

  it('checks iam:PassRole for the roles of the task definition RunTask starts, in its cluster', async () => {
    const auths = await authorizationsFor(
      facts('ecs', 'RunTask', {
        cluster: 'shop-staging',
        taskDefinition: `${ECS}:task-definition/shop-staging-web:3`,
      }),
    );
    expect(auths.map((a) => `${a.action} ${a.resource}`)).toEqual([
      `ecs:RunTask ${ECS}:task-definition/shop-staging-web:3`,
      `iam:PassRole ${EXECUTION}`,
      `iam:PassRole ${TASK}`,
    ]);
    expect(auths[0]?.context['ecs:cluster']).toBe(`${ECS}:cluster/shop-staging`);
  });

  it('needs rds:AddTagsToResource for the tags of a new snapshot', async () => {
    expect(
      await brief(
        facts('rds', 'CreateDBSnapshot', {
          DBInstanceIdentifier: 'shop-staging',
          DBSnapshotIdentifier: 'ferry-staging-abc',
          Tags: [{ Key: 'ferry:sha', Value: 'abc' }],
        }),
      ),
    ).toEqual([
      'rds:CreateDBSnapshot arn:aws:rds:eu-west-1:111111111111:db:shop-staging',
      'rds:CreateDBSnapshot arn:aws:rds:eu-west-1:111111111111:snapshot:ferry-staging-abc',
      'rds:AddTagsToResource arn:aws:rds:eu-west-1:111111111111:snapshot:ferry-staging-abc',
    ]);
  });

  it('authorizes each element of a list, the optional types a request names, and "*" for wildcard-only actions', async () => {
    expect(
      await brief(facts('ecs', 'DescribeServices', { cluster: 'shop-staging', services: ['a', 'b'] })),
    ).toEqual([
      `ecs:DescribeServices ${ECS}:service/shop-staging/a`,
      `ecs:DescribeServices ${ECS}:service/shop-staging/b`,
    ]);
    expect(
      await brief(facts('rds', 'DescribeDBInstances', { DBInstanceIdentifier: 'shop-staging' })),
    ).toEqual(['rds:DescribeDBInstances arn:aws:rds:eu-west-1:111111111111:db:shop-staging']);
    expect(await brief(facts('elbv2', 'DescribeTargetHealth', { TargetGroupArn: 'arn:x' }))).toEqual([
      'elasticloadbalancing:DescribeTargetHealth *',
    ]);
    expect(await brief(facts('sts', 'GetCallerIdentity', {}))).toEqual([]);
  });

  it('refuses to guess an operation the reference does not know', async () => {
    await expect(authorizationsFor(facts('ecs', 'TeleportService', {}))).rejects.toThrow(
      /no action ecs:TeleportService/,
    );
  });
});

describe('renaming a generated world', () => {
  it('renames the placeholder app in names, ARNs and paths, and nothing else', () => {
    const world = {
      name: 'ferrysbx-staging-web',
      arn: 'arn:aws:iam::1:role/ferrysbx-staging-deploy',
      path: '/ferry/ferrysbx/staging/*',
      repo: 'acme/shop',
      other: 'ferrysbxy',
    };
    expect(renameApp(world, 'ferrysbx', 'bakery')).toEqual({
      name: 'bakery-staging-web',
      arn: 'arn:aws:iam::1:role/bakery-staging-deploy',
      path: '/ferry/bakery/staging/*',
      repo: 'acme/shop',
      other: 'ferrysbxy',
    });
  });
});
