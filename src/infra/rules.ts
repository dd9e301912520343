/**
 * What the AWS provider does with a change, for the resource types these stacks
 * (and stacks like them) use. Offline mode has no provider to ask, so these
 * tables stand in for its `diff`: keep them to properties the provider documents
 * as forcing a new resource.
 */

/** Top-level input properties whose change makes the provider replace the resource. */
const REPLACING_PROPERTIES: Record<string, readonly string[]> = {
  'aws:rds/instance:Instance': [
    'engine',
    'identifier',
    'identifierPrefix',
    'dbSubnetGroupName',
    'storageEncrypted',
    'availabilityZone',
    'kmsKeyId',
    'username',
    'dbName',
    'characterSetName',
    'ncharCharacterSetName',
    'timezone',
    'snapshotIdentifier',
    'restoreToPointInTime',
    's3Import',
  ],
  'aws:rds/cluster:Cluster': [
    'clusterIdentifier',
    'engine',
    'storageEncrypted',
    'kmsKeyId',
    'databaseName',
    'masterUsername',
    'availabilityZones',
    'snapshotIdentifier',
  ],
  'aws:rds/subnetGroup:SubnetGroup': ['name', 'namePrefix'],
  'aws:ecr/repository:Repository': ['name', 'encryptionConfigurations'],
  'aws:ecr/lifecyclePolicy:LifecyclePolicy': ['repository'],
  'aws:ssm/parameter:Parameter': ['name'],
  'aws:iam/openIdConnectProvider:OpenIdConnectProvider': ['url'],
  'aws:iam/role:Role': ['name', 'namePrefix', 'path'],
  'aws:iam/rolePolicy:RolePolicy': ['name', 'namePrefix', 'role'],
  'aws:ec2/vpc:Vpc': ['cidrBlock'],
  'aws:ec2/subnet:Subnet': ['vpcId', 'cidrBlock', 'availabilityZone', 'availabilityZoneId'],
  'aws:ec2/securityGroup:SecurityGroup': ['name', 'namePrefix', 'description', 'vpcId'],
  'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': ['securityGroupId'],
  'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule': ['securityGroupId'],
  'aws:ec2/natGateway:NatGateway': ['subnetId', 'allocationId', 'connectivityType'],
  'aws:ec2/routeTable:RouteTable': ['vpcId'],
  'aws:ec2/routeTableAssociation:RouteTableAssociation': ['subnetId', 'gatewayId'],
  'aws:lb/loadBalancer:LoadBalancer': ['name', 'namePrefix', 'internal', 'loadBalancerType'],
  'aws:lb/targetGroup:TargetGroup': [
    'name',
    'namePrefix',
    'port',
    'protocol',
    'protocolVersion',
    'vpcId',
    'targetType',
  ],
  'aws:lb/listener:Listener': ['loadBalancerArn'],
  'aws:ecs/cluster:Cluster': ['name'],
  'aws:ecs/service:Service': ['name', 'cluster', 'launchType', 'iamRole', 'schedulingStrategy'],
  'aws:cloudwatch/logGroup:LogGroup': ['name', 'namePrefix'],
  'aws:cloudwatch/metricAlarm:MetricAlarm': ['name'],
};

/** Types whose every input but these is immutable: any other change is a new resource. */
const IMMUTABLE_EXCEPT: Record<string, readonly string[]> = {
  // A task definition revision never changes; Pulumi registers a new one.
  'aws:ecs/taskDefinition:TaskDefinition': ['tags', 'tagsAll', 'skipDestroy', 'trackLatest'],
};

/** The first segment of a property path: `ingress[0].cidrBlocks[1]` -> `ingress`. */
export function topProperty(path: string): string {
  const quoted = /^\["((?:[^"\\]|\\.)*)"\]/.exec(path);
  if (quoted) return JSON.parse(`"${quoted[1]}"`) as string;
  return path.split(/[.[]/)[0] ?? path;
}

/** Whether changing `path` of a `type` resource replaces it (provider rules, plus the resource's replaceOnChanges). */
export function forcesReplacement(
  type: string,
  path: string,
  replaceOnChanges: readonly string[] = [],
): boolean {
  if (replaceOnChanges.some((p) => p === '*' || pathWithin(path, p))) return true;
  const top = topProperty(path);
  const except = IMMUTABLE_EXCEPT[type];
  if (except) return !except.includes(top);
  return REPLACING_PROPERTIES[type]?.includes(top) ?? false;
}

/** Whether `path` is `prefix` or lies inside it (`a.b` is within `a`, `a[0]` is within `a`, `ab` is not). */
export function pathWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

export interface StatefulKind {
  label: string;
  /** What goes with the resource. */
  loses: string;
  level: 'danger' | 'warning';
}

const STATEFUL: Record<string, StatefulKind> = {
  'aws:rds/instance:Instance': { label: 'RDS database', loses: 'the database and its data', level: 'danger' },
  'aws:rds/cluster:Cluster': { label: 'RDS cluster', loses: 'the cluster and its data', level: 'danger' },
  'aws:ecr/repository:Repository': {
    label: 'ECR repository',
    loses: 'every image in it, including the ones rollbacks need',
    level: 'danger',
  },
  'aws:iam/openIdConnectProvider:OpenIdConnectProvider': {
    label: 'GitHub OIDC provider',
    loses: 'every role in the account that trusts it, so GitHub Actions deploys stop authenticating',
    level: 'danger',
  },
  'aws:s3/bucket:Bucket': { label: 'S3 bucket', loses: 'its objects', level: 'danger' },
  'aws:s3/bucketV2:BucketV2': { label: 'S3 bucket', loses: 'its objects', level: 'danger' },
  'aws:dynamodb/table:Table': { label: 'DynamoDB table', loses: 'its items', level: 'danger' },
  'aws:efs/fileSystem:FileSystem': { label: 'EFS file system', loses: 'its files', level: 'danger' },
  'aws:kms/key:Key': { label: 'KMS key', loses: 'the data encrypted with it', level: 'danger' },
  'aws:secretsmanager/secret:Secret': { label: 'secret', loses: 'its value', level: 'danger' },
  'aws:cloudwatch/logGroup:LogGroup': { label: 'log group', loses: 'its logs', level: 'warning' },
};

const DESCRIPTOR: StatefulKind = {
  label: 'environment descriptor',
  loses: 'the parameter ferry reads to find this environment, so every ferry command against it fails',
  level: 'danger',
};

/** What losing (deleting or replacing) this resource costs, when it holds state. */
export function statefulKind(
  type: string,
  inputs: Record<string, unknown> | undefined,
): StatefulKind | undefined {
  if (type === 'aws:ssm/parameter:Parameter') {
    const name = inputs?.name;
    return typeof name === 'string' && /^\/ferry\/.+\/descriptor$/.test(name) ? DESCRIPTOR : undefined;
  }
  return STATEFUL[type];
}
