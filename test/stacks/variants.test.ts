// Config switches, each a fresh run of the program (vi.resetModules re-evaluates stacks/index.ts).

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runStack } from './harness.ts';

const CERT = 'arn:aws:acm:eu-west-1:111111111111:certificate/0f6a9c5e-8d1b-4a7c-9e2f-1b3c5d7e9f00';

beforeEach(() => {
  vi.resetModules();
});

type Run = Awaited<ReturnType<typeof runStack>>;
/** The parsed JSON document `key` of the resource of `type` named `name`. */
const documentOf = (run: Run, type: string, name: string, key: string) => {
  const found = run.ofType(type).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return JSON.parse(found.inputs[key]);
};
const policyOf = (run: Run, name: string) => documentOf(run, 'aws:iam/rolePolicy:RolePolicy', name, 'policy');

describe('stack config switches', () => {
  it('serves HTTPS with the configured certificate and redirects HTTP to it', async () => {
    const run = await runStack('staging', {
      'ferry-stacks:certificateArn': CERT,
      'ferry-stacks:domainName': 'staging.shop.example',
    });
    const listeners = run.ofType('aws:lb/listener:Listener').map((l) => l.inputs);
    const tg = run.one('aws:lb/targetGroup:TargetGroup').state.arn;
    expect(listeners).toHaveLength(2);
    expect(listeners.find((l) => l.port === 443)).toMatchObject({
      protocol: 'HTTPS',
      certificateArn: CERT,
      defaultActions: [{ type: 'forward', targetGroupArn: tg }],
    });
    expect(listeners.find((l) => l.port === 80)).toMatchObject({
      protocol: 'HTTP',
      defaultActions: [
        { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
      ],
    });
    expect(listeners.find((l) => l.port === 80)?.certificateArn).toBeUndefined();
    const albIngress = run
      .ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')
      .filter((r) => r.name.includes('-alb-in-'))
      .map((r) => r.inputs.fromPort);
    expect(new Set(albIngress)).toEqual(new Set([80, 443]));
    expect(run.outputs.descriptor.services[0].baseUrl).toBe('https://staging.shop.example');
  });

  it('looks the OIDC provider up when the account already has one', async () => {
    const run = await runStack('staging', { 'ferry-stacks:githubOidcProvider': 'existing' });
    expect(run.ofType('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    expect(run.calls.map((c) => c.token)).toContain(
      'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider',
    );
  });

  it('gives staging one NAT gateway per AZ when asked', async () => {
    const run = await runStack('staging', { 'ferry-stacks:natGateways': 'perAz' });
    expect(run.ofType('aws:ec2/natGateway:NatGateway')).toHaveLength(2);
  });

  it('lets production share a single NAT gateway when asked', async () => {
    const run = await runStack('production', { 'ferry-stacks:natGateways': 'single' });
    expect(run.ofType('aws:ec2/natGateway:NatGateway')).toHaveLength(1);
  });

  it('creates no promotion source role when promoteSourceRole is false', async () => {
    const run = await runStack('staging', { 'ferry-stacks:promoteSourceRole': 'false' });
    expect(run.ofType('aws:iam/role:Role').map((r) => r.name)).not.toContain('shop-staging-promote-source');
    expect(run.ofType('aws:iam/rolePolicy:RolePolicy').map((r) => r.name)).not.toContain(
      'shop-staging-promote-source',
    );
    expect(run.outputs.promoteSourceRoleArn).toBeNull();
    expect(run.outputs.deployRoleArn).toBe('arn:aws:iam::111111111111:role/shop-staging-deploy');
  });

  it('trusts the production environment’s jobs by default, or the configured promoteTargetEnvironment', async () => {
    const trusted = (run: Run) =>
      documentOf(run, 'aws:iam/role:Role', 'shop-staging-promote-source', 'assumeRolePolicy').Statement[0]
        .Condition.StringEquals['token.actions.githubusercontent.com:sub'];
    const byDefault = await runStack('staging', { 'ferry-stacks:promoteTargetEnvironment': undefined });
    expect(trusted(byDefault)).toEqual([
      'repo:acme/shop:environment:production',
      'repo:acme@1234567/shop@987654321:environment:production',
    ]);
    vi.resetModules();
    const custom = await runStack('staging', { 'ferry-stacks:promoteTargetEnvironment': 'prod-eu' });
    expect(trusted(custom)).toEqual([
      'repo:acme/shop:environment:prod-eu',
      'repo:acme@1234567/shop@987654321:environment:prod-eu',
    ]);
  });

  it('gives a production stack a promotion source role only when asked', async () => {
    const run = await runStack('production', {
      'ferry-stacks:promoteSourceRole': 'true',
      'ferry-stacks:promoteTargetEnvironment': 'dr',
    });
    const role = run.ofType('aws:iam/role:Role').find((r) => r.name === 'shop-production-promote-source');
    expect(run.outputs.promoteSourceRoleArn).toBe(role?.state.arn);
    expect(JSON.parse(role?.inputs.assumeRolePolicy).Statement[0].Condition.StringEquals).toMatchObject({
      'token.actions.githubusercontent.com:sub': [
        'repo:acme/shop:environment:dr',
        expect.stringMatching(/:environment:dr$/),
      ],
    });
    const policy = policyOf(run, 'shop-production-promote-source');
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === 'FerryStateRead').Resource).toEqual([
      'arn:aws:ssm:eu-west-1:111111111111:parameter/ferry/shop/production/*',
    ]);
  });

  it('lets the listed operators assume the deploy role, only with a source identity', async () => {
    const sso = 'arn:aws:iam::111111111111:role/AWSReservedSSO_Deployers_0123456789abcdef';
    const run = await runStack('staging', {
      'ferry-stacks:operatorPrincipals': `${sso}, arn:aws:iam::111111111111:user/alice`,
    });
    const trust = documentOf(run, 'aws:iam/role:Role', 'shop-staging-deploy', 'assumeRolePolicy');
    expect(trust.Statement).toHaveLength(2);
    expect(trust.Statement[1]).toEqual({
      Sid: 'Operators',
      Effect: 'Allow',
      Principal: { AWS: [sso, 'arn:aws:iam::111111111111:user/alice'] },
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      Condition: { Null: { 'sts:SourceIdentity': 'false' } },
    });
    const promoteSource = documentOf(
      run,
      'aws:iam/role:Role',
      'shop-staging-promote-source',
      'assumeRolePolicy',
    );
    expect(promoteSource.Statement).toHaveLength(1);
  });

  it('lets the production deploy role read, never write, a promoteSourceRepositoryArn', async () => {
    const staging = 'arn:aws:ecr:eu-west-1:111111111111:repository/shop-staging';
    const run = await runStack('production', { 'ferry-stacks:promoteSourceRepositoryArn': staging });
    const policy = policyOf(run, 'shop-production-deploy');
    const onStaging = policy.Statement.filter((s: { Resource: string[] }) => s.Resource.includes(staging));
    expect(onStaging.flatMap((s: { Action: string[] }) => s.Action).sort()).toEqual([
      'ecr:BatchGetImage',
      'ecr:DescribeImages',
      'ecr:GetDownloadUrlForLayer',
    ]);
  });

  it('applies production database settings to an environment flagged production', async () => {
    const run = await runStack('staging', {
      'ferry-stacks:environment': 'prod-eu',
      'ferry-stacks:production': 'true',
    });
    expect(run.one('aws:rds/instance:Instance').inputs).toMatchObject({
      identifier: 'shop-prod-eu',
      multiAz: true,
      deletionProtection: true,
      backupRetentionPeriod: 14,
    });
    expect(run.outputs.descriptorParameter).toBe('/ferry/shop/prod-eu/descriptor');
    expect(run.outputs.promoteSourceRoleArn).toBeNull();
  });

  it('runs no worker unless asked; with `worker` on, a worker service without a load balancer that ferry releases too', async () => {
    const plain = await runStack('staging');
    expect(plain.ofType('aws:ecs/service:Service')).toHaveLength(1);
    expect(plain.outputs.descriptor.services).toHaveLength(1);

    vi.resetModules();
    const run = await runStack('staging', {
      'ferry-stacks:worker': 'true',
      'ferry-stacks:workerCommand': '["node","worker.js"]',
      'ferry-stacks:workerDesiredCount': '2',
    });
    const worker = run.ofType('aws:ecs/service:Service').find((r) => r.name === 'shop-staging-worker');
    expect(worker?.inputs).toMatchObject({
      desiredCount: 2,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    expect(worker?.inputs.loadBalancers ?? []).toEqual([]);
    expect(worker?.opts.ignoreChanges).toContain('taskDefinition');
    const family = run
      .ofType('aws:ecs/taskDefinition:TaskDefinition')
      .find((r) => r.name === 'shop-staging-worker');
    const [container] = JSON.parse(family?.inputs.containerDefinitions);
    expect(container).toMatchObject({ name: 'worker', command: ['node', 'worker.js'] });
    expect(container.portMappings).toBeUndefined();

    expect(run.outputs.descriptor.services).toEqual([
      expect.objectContaining({ name: 'shop-staging-web', container: 'web' }),
      { name: 'shop-staging-worker', container: 'worker', taskDefinitionFamily: 'shop-staging-worker' },
    ]);
    const deploy = policyOf(run, 'shop-staging-deploy');
    const update = deploy.Statement.find((s: { Sid: string }) => s.Sid === 'EcsService');
    expect(update.Resource).toEqual([
      'arn:aws:ecs:eu-west-1:111111111111:service/shop-staging/shop-staging-web',
      'arn:aws:ecs:eu-west-1:111111111111:service/shop-staging/shop-staging-worker',
    ]);
    const reader = policyOf(run, 'shop-staging-promote-source');
    expect(reader.Statement.find((s: { Sid: string }) => s.Sid === 'EcsReadService').Resource).toContain(
      'arn:aws:ecs:eu-west-1:111111111111:service/shop-staging/shop-staging-worker',
    );
  });
});
