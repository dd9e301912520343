import type { Json, RecordedResource, ResourceOptions } from '../../../src/infra/model.ts';

/** A custom resource as the offline runner records it. */
export function resource(
  type: string,
  name: string,
  inputs: Record<string, Json>,
  options: ResourceOptions = {},
): RecordedResource {
  return {
    urn: `urn:pulumi:staging::ferry-stacks::${type}::${name}`,
    type,
    name,
    custom: true,
    inputs,
    options,
  };
}

export const RDS = 'aws:rds/instance:Instance';
export const ECR = 'aws:ecr/repository:Repository';
export const SSM = 'aws:ssm/parameter:Parameter';
export const OIDC = 'aws:iam/openIdConnectProvider:OpenIdConnectProvider';
export const SERVICE = 'aws:ecs/service:Service';
export const INGRESS = 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule';
export const SG = 'aws:ec2/securityGroup:SecurityGroup';
export const ROLE_POLICY = 'aws:iam/rolePolicy:RolePolicy';
export const ROLE = 'aws:iam/role:Role';

export const database = (overrides: Record<string, Json> = {}) =>
  resource(RDS, 'shop-staging', {
    engine: 'postgres',
    engineVersion: '17',
    identifier: 'shop-staging',
    instanceClass: 'db.t4g.micro',
    dbSubnetGroupName: 'shop-staging-1',
    storageEncrypted: true,
    tags: { 'ferry:app': 'shop' },
    ...overrides,
  });

export const policy = (actions: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Deploy', Effect: 'Allow', Action: actions, Resource: ['arn:aws:ecs:eu-west-1:1:service/x'] },
    ],
  });
