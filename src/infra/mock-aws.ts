import { createHash } from 'node:crypto';
import type { Json } from './model.ts';

/**
 * Stand-ins for what AWS would compute when the program runs offline. Ids and
 * ARNs derive from the resource's type and name only, so the same resource gets
 * the same values in both runs and an unrelated addition shifts nothing.
 */
export interface MockAccount {
  accountId: string;
  region: string;
}

const EC2_ID_PREFIX: Record<string, string> = {
  'aws:ec2/vpc:Vpc': 'vpc',
  'aws:ec2/subnet:Subnet': 'subnet',
  'aws:ec2/securityGroup:SecurityGroup': 'sg',
  'aws:ec2/internetGateway:InternetGateway': 'igw',
  'aws:ec2/routeTable:RouteTable': 'rtb',
  'aws:ec2/natGateway:NatGateway': 'nat',
  'aws:ec2/eip:Eip': 'eipalloc',
  'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': 'sgr',
  'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule': 'sgr',
};

const hash = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

export function mockResourceState(
  type: string,
  name: string,
  inputs: Record<string, Json>,
  account: MockAccount,
): { id: string; state: Record<string, Json> } {
  const { accountId: acct, region } = account;
  const suffix = hash(`${type}::${name}`, 7);
  const physical: string = typeof inputs.name === 'string' ? inputs.name : `${name}-${suffix}`;
  const prefix = EC2_ID_PREFIX[type];
  const id = prefix ? `${prefix}-${hash(`${type}::${name}`, 17)}` : physical;
  const base = { ...inputs, name: physical, id };
  const withArn = (arn: string, extra: Record<string, Json> = {}) => ({
    id,
    state: { ...base, arn, ...extra },
  });
  switch (type) {
    case 'aws:ecr/repository:Repository':
      return withArn(`arn:aws:ecr:${region}:${acct}:repository/${physical}`, {
        repositoryUrl: `${acct}.dkr.ecr.${region}.amazonaws.com/${physical}`,
      });
    case 'aws:lb/loadBalancer:LoadBalancer':
      return withArn(
        `arn:aws:elasticloadbalancing:${region}:${acct}:loadbalancer/app/${physical}/${suffix}`,
        {
          arnSuffix: `app/${physical}/${suffix}`,
          dnsName: `${physical}-${suffix}.${region}.elb.amazonaws.com`,
          zoneId: 'Z32O12XQLNTSW2',
        },
      );
    case 'aws:lb/targetGroup:TargetGroup':
      return withArn(`arn:aws:elasticloadbalancing:${region}:${acct}:targetgroup/${physical}/${suffix}`, {
        arnSuffix: `targetgroup/${physical}/${suffix}`,
      });
    case 'aws:rds/instance:Instance': {
      const identifier = typeof inputs.identifier === 'string' ? inputs.identifier : physical;
      return withArn(`arn:aws:rds:${region}:${acct}:db:${identifier}`, {
        identifier,
        address: `${identifier}.${suffix}.${region}.rds.amazonaws.com`,
        endpoint: `${identifier}.${suffix}.${region}.rds.amazonaws.com:5432`,
        port: inputs.port ?? 5432,
        masterUserSecrets: [
          {
            secretArn: `arn:aws:secretsmanager:${region}:${acct}:secret:rds!db-${suffix}`,
            secretStatus: 'active',
            kmsKeyId: `arn:aws:kms:${region}:${acct}:key/aws-secretsmanager`,
          },
        ],
      });
    }
    case 'aws:ecs/cluster:Cluster':
      return withArn(`arn:aws:ecs:${region}:${acct}:cluster/${physical}`);
    case 'aws:ecs/taskDefinition:TaskDefinition':
      return withArn(`arn:aws:ecs:${region}:${acct}:task-definition/${String(inputs.family)}:1`, {
        revision: 1,
      });
    case 'aws:iam/role:Role':
      return withArn(`arn:aws:iam::${acct}:role/${physical}`);
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return withArn(
        `arn:aws:iam::${acct}:oidc-provider/${String(inputs.url ?? '').replace(/^https:\/\//, '')}`,
      );
    case 'aws:cloudwatch/logGroup:LogGroup':
      return withArn(`arn:aws:logs:${region}:${acct}:log-group:${physical}`);
    case 'aws:ssm/parameter:Parameter':
      return withArn(
        `arn:aws:ssm:${region}:${acct}:parameter${physical.startsWith('/') ? '' : '/'}${physical}`,
      );
    default:
      return withArn(`arn:aws:${type.split(/[:/]/)[1] ?? 'mock'}:${region}:${acct}:${physical}`);
  }
}

/** The data-source calls a stack program may make; anything else fails with its token. */
export function mockCall(
  token: string,
  inputs: Record<string, Json>,
  account: MockAccount,
): Record<string, Json> {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        accountId: account.accountId,
        arn: `arn:aws:iam::${account.accountId}:user/ferry-preview`,
        userId: 'AIDAFERRYPREVIEW',
        id: account.accountId,
      };
    case 'aws:index/getRegion:getRegion':
      return { region: account.region, name: account.region, id: account.region };
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws', id: 'aws' };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones': {
      const names = ['a', 'b', 'c', 'd'].map((z) => `${account.region}${z}`);
      return { names, zoneIds: names.map((_, i) => `az${i + 1}`), id: account.region };
    }
    case 'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider': {
      const url = typeof inputs.url === 'string' ? inputs.url : 'https://token.actions.githubusercontent.com';
      const host = url.replace(/^https:\/\//, '');
      const arn =
        typeof inputs.arn === 'string'
          ? inputs.arn
          : `arn:aws:iam::${account.accountId}:oidc-provider/${host}`;
      return { arn, url: host, clientIdLists: ['sts.amazonaws.com'], id: arn };
    }
    default:
      throw new Error(`offline preview has no stand-in for the data source ${token}`);
  }
}
