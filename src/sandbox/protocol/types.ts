import type { XmlNode } from './query.ts';

export type ServiceName =
  | 'ecs'
  | 'ecr'
  | 'ssm'
  | 'logs'
  | 'sts'
  | 'rds'
  | 'elbv2'
  | 'cloudwatch'
  | 'secretsmanager'
  | 'iam';

/** Who made a request, from the access key id of its SigV4 Credential. */
export interface Caller {
  accessKeyId: string;
  /** The role ARN for keys STS issued, else the access key id. */
  principal: string;
  /** The caller identity ARN (assumed-role ARN for STS keys). */
  arn: string;
  account: string;
  /** The role of an STS-issued session; absent for static keys. */
  roleArn?: string;
}

export interface CallContext {
  caller: Caller;
  region: string;
}

export type JsonOperation = (params: Record<string, unknown>, ctx: CallContext) => unknown;

/** An awsJson1_1 service: operations routed by `X-Amz-Target: <prefix>.<Operation>`. */
export interface JsonService {
  service: ServiceName;
  targetPrefix: string;
  operations: Record<string, JsonOperation>;
}

export type QueryOperation = (
  params: Record<string, unknown>,
  ctx: CallContext,
) => XmlNode | Promise<XmlNode>;

/** An awsQuery service: operations routed by the `Action` and `Version` form fields. */
export interface QueryService {
  service: ServiceName;
  version: string;
  namespace: string;
  operations: Record<string, QueryOperation>;
}
