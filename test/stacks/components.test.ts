// The components' pure helpers and argument checks, without running Pulumi.
import { describe, expect, it } from 'vitest';
import { descriptorSchema } from '../../src/config/schema.ts';
import { databaseProfile, normalizeDatabaseArgs } from '../../src/stacks/database.ts';
import {
  deployPolicy,
  githubSubjects,
  githubTrustPolicy,
  normalizeDeployAccessArgs,
} from '../../src/stacks/deploy-access.ts';
import { buildDescriptor, descriptorParameterName } from '../../src/stacks/descriptor.ts';
import { publicPorts } from '../../src/stacks/firewall.ts';
import { wildcardProblems } from '../../src/stacks/iam.ts';
import { listenerPlan, normalizeLoadBalancerArgs, publicBaseUrl } from '../../src/stacks/load-balancer.ts';
import {
  natGatewayCount,
  natGatewayIndexFor,
  natMonthlyCostUsd,
  normalizeNetworkArgs,
  subnetCidrs,
} from '../../src/stacks/network.ts';
import {
  normalizePromoteSourceAccessArgs,
  promoteSourcePolicy,
  promoteSourceSubjects,
} from '../../src/stacks/promote-source.ts';
import { lifecyclePolicy, normalizeRegistryArgs } from '../../src/stacks/registry.ts';
import {
  containerDefinitions,
  deploymentSettings,
  normalizeServiceArgs,
  passwordSecretRef,
  SERVICE_IGNORE_CHANGES,
} from '../../src/stacks/service.ts';
import { expiredBy } from './lifecycle-sim.ts';

describe('network helpers', () => {
  it('carves non-overlapping /20 subnets, private ones in the upper half', () => {
    expect(subnetCidrs('10.0.0.0/16', 3)).toEqual({
      public: ['10.0.0.0/20', '10.0.16.0/20', '10.0.32.0/20'],
      private: ['10.0.128.0/20', '10.0.144.0/20', '10.0.160.0/20'],
    });
    expect(subnetCidrs('10.1.2.0/23', 2).private).toEqual(['10.1.3.0/27', '10.1.3.32/27']);
  });

  it('keeps existing subnets when an AZ is added', () => {
    const two = subnetCidrs('10.20.0.0/16', 2);
    const three = subnetCidrs('10.20.0.0/16', 3);
    expect(three.public.slice(0, 2)).toEqual(two.public);
    expect(three.private.slice(0, 2)).toEqual(two.private);
  });

  it('rejects a VPC whose subnets would be too small for an ALB, naming `cidrBlock`', () => {
    expect(() => normalizeNetworkArgs({ name: 'shop-staging', cidrBlock: '10.1.2.0/24' })).toThrow(
      /`cidrBlock` .* \(its subnets would be \/28; an ALB needs subnets of \/27 or larger\)/,
    );
  });

  it('rejects ranges it cannot split', () => {
    expect(() => subnetCidrs('10.0.0.0/8', 2)).toThrow(/\/16 to \/23/);
    expect(() => subnetCidrs('10.0.300.0/16', 2)).toThrow(/cidrBlock/);
  });

  it('counts one NAT gateway or one per AZ, and routes each AZ to its own when there are several', () => {
    expect(natGatewayCount('single', 3)).toBe(1);
    expect(natGatewayCount('perAz', 3)).toBe(3);
    expect([0, 1, 2].map((az) => natGatewayIndexFor(az, 1))).toEqual([0, 0, 0]);
    expect([0, 1, 2].map((az) => natGatewayIndexFor(az, 3))).toEqual([0, 1, 2]);
  });

  it('prices NAT gateways at 730 hours a month', () => {
    expect(natMonthlyCostUsd(1)).toBe(32.85);
    expect(natMonthlyCostUsd(3)).toBe(98.55);
  });

  it('names the bad argument and the allowed values', () => {
    expect(() => normalizeNetworkArgs({ name: 'x', azCount: 1 })).toThrow(/`azCount`/);
    expect(() => normalizeNetworkArgs({ name: 'x', natGateways: 'two' as never })).toThrow(/single, perAz/);
    expect(normalizeNetworkArgs({ name: 'x' })).toMatchObject({
      cidrBlock: '10.0.0.0/16',
      azCount: 2,
      natGateways: 'single',
    });
  });
});

describe('registry lifecycle policy', () => {
  it('keeps exactly the newest N tagged images however old they are', () => {
    const policy = lifecyclePolicy({ keepReleases: 5, untaggedExpiryDays: 1 });
    const now = Date.UTC(2026, 0, 1);
    const images = Array.from({ length: 8 }, (_, i) => ({
      digest: `d${i}`,
      tags: [`abcdef${i}`],
      pushedAt: now - (8 - i) * 400 * 86_400_000,
    }));
    expect([...expiredBy(policy, images, now)].sort()).toEqual(['d0', 'd1', 'd2']);
  });

  it('refuses to keep fewer than 5 releases', () => {
    expect(() => normalizeRegistryArgs({ name: 'r', keepReleases: 2 })).toThrow(/`keepReleases`/);
    expect(normalizeRegistryArgs({ name: 'r' })).toMatchObject({ keepReleases: 30, untaggedExpiryDays: 1 });
  });
});

describe('database profile', () => {
  it('protects production and keeps staging cheap by default', () => {
    expect(databaseProfile(true)).toMatchObject({
      multiAz: true,
      deletionProtection: true,
      backupRetentionDays: 14,
    });
    expect(databaseProfile(false)).toMatchObject({
      multiAz: false,
      skipFinalSnapshot: true,
      backupRetentionDays: 1,
    });
  });

  it('rejects disabled backups and a single subnet', () => {
    const base = { name: 'db', subnetIds: ['a', 'b'], securityGroupId: 'sg' };
    expect(() => normalizeDatabaseArgs({ ...base, backupRetentionDays: 0 })).toThrow(/`backupRetentionDays`/);
    expect(() => normalizeDatabaseArgs({ ...base, subnetIds: ['a'] })).toThrow(/`subnetIds`/);
  });
});

describe('load balancer helpers', () => {
  it('plans HTTPS plus a redirect with a certificate, plain HTTP without', () => {
    expect(listenerPlan('arn:aws:acm:x')).toEqual([
      { port: 443, protocol: 'HTTPS', action: 'forward' },
      { port: 80, protocol: 'HTTP', action: 'redirect-to-https' },
    ]);
    expect(listenerPlan(undefined)).toEqual([{ port: 80, protocol: 'HTTP', action: 'forward' }]);
    expect(publicPorts(true)).toEqual([80, 443]);
    expect(publicPorts(false)).toEqual([80]);
  });

  it('reports the URL ferry checks health at', () => {
    expect(publicBaseUrl({ dnsName: 'alb.example' })).toBe('http://alb.example');
    expect(
      publicBaseUrl({ dnsName: 'alb.example', certificateArn: 'arn:c', domainName: 'shop.example' }),
    ).toBe('https://shop.example');
  });

  it('refuses a certificate without a domain name and names too long for an ALB', () => {
    const base = { vpcId: 'vpc', subnetIds: [], securityGroupId: 'sg' };
    expect(() => normalizeLoadBalancerArgs({ ...base, name: 'x', certificateArn: 'arn:aws:acm:c' })).toThrow(
      /`domainName`/,
    );
    expect(() => normalizeLoadBalancerArgs({ ...base, name: 'a'.repeat(33) })).toThrow(/32 characters/);
    // `<app>-<env>` longer than 20 would make the auto-named target group longer than 32.
    expect(() => normalizeLoadBalancerArgs({ ...base, name: 'inventory-api-staging' })).toThrow(
      /`name` must have at most 20 characters: the target group is auto-named `<name>-web-<7 random>`/,
    );
    expect(normalizeLoadBalancerArgs({ ...base, name: 'a'.repeat(20) }).name).toHaveLength(20);
  });
});

describe('service helpers', () => {
  const db = {
    host: 'db.internal',
    port: 5432,
    name: 'app',
    username: 'app',
    secretArn: 'arn:aws:secretsmanager:s',
  };

  it('references the password key of the managed secret', () => {
    expect(passwordSecretRef('arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-1')).toBe(
      'arn:aws:secretsmanager:eu-west-1:1:secret:rds!db-1:password::',
    );
  });

  it('never puts the password in the container environment', () => {
    const [c] = containerDefinitions({
      containerName: 'web',
      image: 'img',
      containerPort: 8080,
      appVersion: 'abc1234',
      region: 'eu-west-1',
      logGroupName: '/ecs/x',
      database: db,
    });
    expect(JSON.stringify(c?.environment)).not.toMatch(/password/i);
    expect(c?.environment).toContainEqual({ name: 'APP_VERSION', value: 'abc1234' });
    expect(c?.secrets).toEqual([
      { name: 'DATABASE_PASSWORD', valueFrom: 'arn:aws:secretsmanager:s:password::' },
    ]);
  });

  it('deploys 100/200 with both rollbacks and leaves the task definition to ferry', () => {
    expect(deploymentSettings(['a'])).toEqual({
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: { alarmNames: ['a'], enable: true, rollback: true },
    });
    expect(SERVICE_IGNORE_CHANGES).toEqual(['taskDefinition']);
  });

  it('accepts only Fargate CPU and memory pairs', () => {
    const base = {
      name: 's',
      subnetIds: [],
      securityGroupId: 'sg',
      targetGroupArn: 'tg',
      targetGroupArnSuffix: 'tg',
      loadBalancerArnSuffix: 'lb',
      repositoryArn: 'r',
      database: db,
      region: 'eu-west-1',
      accountId: '1',
    };
    expect(() => normalizeServiceArgs({ ...base, cpu: 300 })).toThrow(/`cpu` must be one of 256, 512/);
    expect(() => normalizeServiceArgs({ ...base, cpu: 256, memory: 4096 })).toThrow(
      /`memory` must be one of 512, 1024, 2048/,
    );
    expect(normalizeServiceArgs({ ...base, cpu: 1024, memory: 8192 })).toMatchObject({
      cpu: 1024,
      memory: 8192,
    });
  });
});

describe('deploy access helpers', () => {
  const github = { repository: 'acme/shop', ownerId: '1', repositoryId: '2' };

  it('pins staging to pushes to main and production to the production environment, in both subject forms', () => {
    expect(githubSubjects(github, { branch: 'main' })).toEqual([
      'repo:acme/shop:ref:refs/heads/main',
      'repo:acme@1/shop@2:ref:refs/heads/main',
    ]);
    expect(githubSubjects(github, { environment: 'production' })).toEqual([
      'repo:acme/shop:environment:production',
      'repo:acme@1/shop@2:environment:production',
    ]);
  });

  it('builds a trust policy with StringEquals only', () => {
    const doc = githubTrustPolicy('arn:p', ['repo:a/b:ref:refs/heads/main']);
    expect(Object.keys(doc.Statement[0]?.Condition ?? {})).toEqual(['StringEquals']);
  });

  it('rejects a repository that is not OWNER/REPO and ids that are not numbers', () => {
    const base = { name: 'n', subject: { branch: 'main' }, scope: {} as never };
    expect(() => normalizeDeployAccessArgs({ ...base, github: { ...github, repository: 'shop' } })).toThrow(
      /OWNER\/REPO/,
    );
    expect(() => normalizeDeployAccessArgs({ ...base, github: { ...github, ownerId: 'acme' } })).toThrow(
      /`githubOwnerId`/,
    );
  });

  it('rejects operator principals that are not IAM role or user ARNs, naming the setting', () => {
    const base = { name: 'n', github, subject: { branch: 'main' }, scope: {} as never };
    for (const bad of ['alice', 'arn:aws:iam::111111111111:*', '*']) {
      expect(() => normalizeDeployAccessArgs({ ...base, operatorPrincipals: [bad] }), bad).toThrow(
        /`operatorPrincipals`/,
      );
    }
  });

  it('produces a permission policy the wildcard check accepts', () => {
    const doc = deployPolicy({
      partition: 'aws',
      region: 'eu-west-1',
      accountId: '111111111111',
      app: 'shop',
      environment: 'staging',
      repositoryArn: 'arn:aws:ecr:eu-west-1:111111111111:repository/shop-staging',
      promoteSourceRepositoryArns: [],
      clusterName: 'shop-staging',
      serviceName: 'shop-staging-web',
      taskDefinitionFamily: 'shop-staging-web',
      executionRoleArn: 'arn:aws:iam::111111111111:role/x',
      taskRoleArn: 'arn:aws:iam::111111111111:role/y',
      databaseArn: 'arn:aws:rds:eu-west-1:111111111111:db:shop-staging',
      logGroupArn: 'arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/shop-staging-web',
      imageSource: 'build',
    });
    expect(wildcardProblems(doc)).toEqual([]);
    expect(doc.Statement.some((s) => s.Sid === 'EcrPromoteSource')).toBe(false);
  });
});

describe('promotion source helpers', () => {
  const github = { repository: 'acme/shop', ownerId: '1', repositoryId: '2' };
  const scope = {
    partition: 'aws-cn',
    region: 'cn-north-1',
    accountId: '222222222222',
    app: 'shop',
    environment: 'staging',
    repositoryArn: 'arn:aws-cn:ecr:cn-north-1:222222222222:repository/shop-staging',
    clusterName: 'shop-staging',
    serviceName: 'shop-staging-web',
    taskDefinitionFamily: 'shop-staging-web',
  };

  it('trusts the target environment’s jobs in both subject forms', () => {
    expect(promoteSourceSubjects(github, 'production')).toEqual([
      'repo:acme/shop:environment:production',
      'repo:acme@1/shop@2:environment:production',
    ]);
  });

  it('builds a read-only policy in the scope’s partition that the wildcard check accepts', () => {
    const doc = promoteSourcePolicy(scope);
    expect(wildcardProblems(doc)).toEqual([]);
    const resources = doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    expect(resources.filter((r) => r !== '*' && !r?.startsWith('arn:aws-cn:'))).toEqual([]);
    expect(resources).toContain('arn:aws-cn:ssm:cn-north-1:222222222222:parameter/ferry/shop/staging/*');
  });

  it('rejects a target environment that would widen or break the subject', () => {
    const base = { name: 'n', github, providerArn: 'arn:p', scope };
    for (const bad of ['', 'prod*', 'prod?', 'a:b', ' production']) {
      expect(() => normalizePromoteSourceAccessArgs({ ...base, targetEnvironment: bad }), bad).toThrow(
        /`promoteTargetEnvironment`/,
      );
    }
    expect(normalizePromoteSourceAccessArgs({ ...base, targetEnvironment: 'prod eu' })).toMatchObject({
      maxSessionDurationSeconds: 3600,
      tags: {},
    });
  });
});

describe('wildcard check', () => {
  it('flags wildcard actions and "*" resources on scoped actions, but not allow-listed ones', () => {
    const doc = {
      Statement: [
        { Sid: 'A', Effect: 'Allow' as const, Action: 's3:*', Resource: 'arn:aws:s3:::b' },
        { Sid: 'B', Effect: 'Allow' as const, Action: ['ecs:UpdateService'], Resource: '*' },
        { Sid: 'C', Effect: 'Allow' as const, Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        { Sid: 'D', Effect: 'Deny' as const, Action: '*', Resource: '*' },
      ],
    };
    expect(wildcardProblems(doc)).toEqual([
      'statement A allows the wildcard action s3:*',
      'statement B allows ecs:UpdateService on "*" although they take narrower resources',
    ]);
  });
});

describe('descriptor builder', () => {
  it('builds exactly the shape of docs/descriptor.md, accepted by ferry’s schema', () => {
    const d = buildDescriptor({
      app: 'shop',
      environment: 'staging',
      region: 'eu-west-1',
      accountId: '111111111111',
      clusterName: 'shop-staging',
      serviceName: 'shop-staging-web',
      containerName: 'web',
      baseUrl: 'http://alb.example',
      targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/x/1',
      repositoryName: 'shop-staging',
      repositoryUrl: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging',
      databaseIdentifier: 'shop-staging',
      taskDefinitionFamily: 'shop-staging-web',
      subnetIds: ['subnet-1'],
      securityGroupIds: ['sg-1'],
    });
    expect(descriptorSchema.parse(d)).toEqual(d);
    expect(Object.keys(d)).toEqual([
      'version',
      'app',
      'environment',
      'region',
      'accountId',
      'cluster',
      'services',
      'repository',
      'database',
      'taskDefinitionFamily',
      'network',
    ]);
    expect(descriptorParameterName('shop', 'staging')).toBe('/ferry/shop/staging/descriptor');
  });
});
