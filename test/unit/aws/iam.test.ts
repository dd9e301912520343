import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createPermissionSimulator, principalToSimulate } from '../../../src/aws/iam.ts';
import { type RequiredPermission, releasePermissions } from '../../../src/aws/release-permissions.ts';

const iamMock = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });
const simulator = createPermissionSimulator(() => client);
afterEach(() => iamMock.reset());

const role = 'arn:aws:iam::111111111111:role/shop-staging-deploy';
const service = 'arn:aws:ecs:eu-west-1:111111111111:service/shop-staging/shop-staging-web';
const deployment = 'arn:aws:ecs:eu-west-1:111111111111:service-deployment/shop-staging/shop-staging-web/x';

const update: RequiredPermission = {
  action: 'ecs:UpdateService',
  resources: [service],
  purpose: 'roll the service',
};
const describeDeployments: RequiredPermission = {
  action: 'ecs:DescribeServiceDeployments',
  resources: [service, deployment],
  purpose: "judge the release's own deployment",
};

describe('the permission simulation', () => {
  it('passes when IAM allows every action on every resource', async () => {
    iamMock.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [
        { EvalActionName: 'ecs:UpdateService', EvalResourceName: service, EvalDecision: 'allowed' },
      ],
    });
    expect(await simulator.simulate(role, [update])).toEqual({ kind: 'checked', checked: 1, denied: [] });
    expect(iamMock.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input).toEqual({
      PolicySourceArn: role,
      ActionNames: ['ecs:UpdateService'],
      ResourceArns: [service],
    });
  });

  it('names the exact action and resource IAM refuses, judged per resource', async () => {
    iamMock
      .on(SimulatePrincipalPolicyCommand, { ActionNames: ['ecs:UpdateService'] })
      .resolves({
        EvaluationResults: [
          { EvalActionName: 'ecs:UpdateService', EvalResourceName: service, EvalDecision: 'implicitDeny' },
        ],
      })
      .on(SimulatePrincipalPolicyCommand, { ActionNames: ['ecs:DescribeServiceDeployments'] })
      .resolves({
        EvaluationResults: [
          {
            EvalActionName: 'ecs:DescribeServiceDeployments',
            EvalDecision: 'implicitDeny',
            ResourceSpecificResults: [
              { EvalResourceName: service, EvalResourceDecision: 'implicitDeny' },
              { EvalResourceName: deployment, EvalResourceDecision: 'allowed' },
            ],
          },
        ],
      });
    const outcome = await simulator.simulate(role, [update, describeDeployments]);
    expect(outcome).toEqual({
      kind: 'checked',
      checked: 3,
      denied: [
        {
          action: 'ecs:UpdateService',
          resource: service,
          decision: 'implicitDeny',
          purpose: 'roll the service',
        },
        {
          action: 'ecs:DescribeServiceDeployments',
          resource: service,
          decision: 'implicitDeny',
          purpose: "judge the release's own deployment",
        },
      ],
    });
  });

  it('reads every page of a truncated answer', async () => {
    iamMock
      .on(SimulatePrincipalPolicyCommand, { Marker: undefined })
      .resolves({
        IsTruncated: true,
        Marker: 'page2',
        EvaluationResults: [
          {
            EvalActionName: 'ecs:DescribeServiceDeployments',
            EvalResourceName: service,
            EvalDecision: 'allowed',
          },
        ],
      })
      .on(SimulatePrincipalPolicyCommand, { Marker: 'page2' })
      .resolves({
        EvaluationResults: [
          {
            EvalActionName: 'ecs:DescribeServiceDeployments',
            EvalResourceName: deployment,
            EvalDecision: 'explicitDeny',
          },
        ],
      });
    const outcome = await simulator.simulate(role, [describeDeployments]);
    expect(outcome.kind === 'checked' && outcome.denied.map((d) => [d.resource, d.decision])).toEqual([
      [deployment, 'explicitDeny'],
    ]);
    expect(iamMock.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(2);
  });

  it('passes the request context the conditions need', async () => {
    iamMock
      .on(SimulatePrincipalPolicyCommand)
      .resolves({ EvaluationResults: [{ EvalActionName: 'ecs:RunTask', EvalDecision: 'allowed' }] });
    await simulator.simulate(role, [
      {
        action: 'ecs:RunTask',
        resources: ['arn:td'],
        context: { 'ecs:cluster': 'arn:cluster' },
        purpose: 'migrate',
      },
    ]);
    expect(iamMock.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input.ContextEntries).toEqual([
      { ContextKeyName: 'ecs:cluster', ContextKeyValues: ['arn:cluster'], ContextKeyType: 'string' },
    ]);
  });

  it('an empty answer is not taken as allowed', async () => {
    iamMock.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [] });
    const outcome = await simulator.simulate(role, [update]);
    expect(outcome).toMatchObject({
      kind: 'checked',
      denied: [{ action: 'ecs:UpdateService', resource: service }],
    });
  });

  it('says so when SimulatePrincipalPolicy itself is denied, and when the endpoint does not have it', async () => {
    iamMock.on(SimulatePrincipalPolicyCommand).rejects(
      Object.assign(new Error('User: x is not authorized to perform: iam:SimulatePrincipalPolicy'), {
        name: 'AccessDenied',
      }),
    );
    expect(await simulator.simulate(role, [update])).toMatchObject({ kind: 'unavailable', denied: true });
    iamMock.reset();
    iamMock.on(SimulatePrincipalPolicyCommand).rejects(
      Object.assign(new Error('Could not find operation SimulatePrincipalPolicy'), {
        name: 'InvalidAction',
      }),
    );
    const outcome = await simulator.simulate(role, [update]);
    expect(outcome).toMatchObject({ kind: 'unavailable', denied: false });
    expect(outcome.kind === 'unavailable' && outcome.reason).toContain('InvalidAction');
  });
});

describe('the principal to simulate', () => {
  it('is the configured role, else the role behind an assumed-role session', () => {
    expect(principalToSimulate('arn:aws:sts::111111111111:assumed-role/x/s', role)).toBe(role);
    expect(
      principalToSimulate('arn:aws:sts::111111111111:assumed-role/shop-staging-deploy/ferry-staging-1'),
    ).toBe(role);
    expect(principalToSimulate('arn:aws:iam::111111111111:user/alice')).toBe(
      'arn:aws:iam::111111111111:user/alice',
    );
  });
});

describe('the release permissions', () => {
  const scope = {
    partition: 'aws',
    region: 'eu-west-1',
    accountId: '111111111111',
    app: 'shop',
    environment: 'staging',
    cluster: 'shop-staging',
    services: ['shop-staging-web'],
    taskDefinitionFamily: 'shop-staging-web',
    repositoryName: 'shop-staging',
    database: { identifier: 'shop-staging', kind: 'instance' as const },
    passRoles: ['arn:aws:iam::111111111111:role/shop-staging-execution'],
    logGroups: ['/ecs/shop-staging-web'],
    alarmNames: ['shop-staging-target-5xx'],
    promoted: false,
  };

  it('cover DescribeServiceDeployments on the service as well as the service deployment', () => {
    const p = releasePermissions(scope).find((x) => x.action === 'ecs:DescribeServiceDeployments')!;
    expect(p.resources).toContain(service);
    expect(p.resources.some((r) => r.includes(':service-deployment/shop-staging/shop-staging-web/'))).toBe(
      true,
    );
  });

  it('include the implied PassRole and tag-on-create permissions, and the alarms read before UpdateService', () => {
    const actions = releasePermissions(scope).map((p) => p.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'iam:PassRole',
        'ecs:TagResource',
        'rds:AddTagsToResource',
        'cloudwatch:DescribeAlarms',
      ]),
    );
  });

  it('write image layers only into a promoted environment', () => {
    const plain = releasePermissions(scope).map((p) => p.action);
    const promoted = releasePermissions({ ...scope, promoted: true }).map((p) => p.action);
    expect(plain).not.toContain('ecr:PutImage');
    expect(promoted).toEqual(
      expect.arrayContaining(['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:CompleteLayerUpload']),
    );
  });
});
