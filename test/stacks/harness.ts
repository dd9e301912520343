// Runs the real stacks/index.ts under Pulumi mocks and records what it creates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';

export const PROJECT = 'ferry-stacks';
export const STACKS_DIR = fileURLToPath(new URL('../../stacks/', import.meta.url));

/** Awaits an output; every assertion reads values through this so it cannot pass unawaited. */
export const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

// biome-ignore lint/suspicious/noExplicitAny: resource properties are untyped JSON
type Props = Record<string, any>;

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Props;
  state: Props;
  /** The resource options the program passed (seen through a stack transformation). */
  opts: pulumi.CustomResourceOptions;
}

export interface StackRun {
  resources: RecordedResource[];
  calls: { token: string; inputs: Props }[];
  outputs: Props;
  ofType(type: string): RecordedResource[];
  one(type: string): RecordedResource;
}

/**
 * Reads Pulumi.<stack>.yaml. The stack files keep to a flat `config:` map of scalars, so a
 * line parser suffices; anything else fails loudly rather than being misread.
 */
export function loadStackConfig(stack: string): Record<string, string> {
  const text = readFileSync(`${STACKS_DIR}Pulumi.${stack}.yaml`, 'utf8');
  const config: Record<string, string> = {};
  let inConfig = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (line === 'config:') {
      inConfig = true;
      continue;
    }
    const match = /^ {2}([\w-]+:[\w-]+): (.+)$/.exec(line);
    if (!inConfig || !match) throw new Error(`Pulumi.${stack}.yaml: cannot read line ${JSON.stringify(raw)}`);
    const scalar = match[2]!;
    config[match[1]!] = /^".*"$/.test(scalar) ? JSON.parse(scalar) : scalar;
  }
  return config;
}

export interface Account {
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
};

/** Outputs AWS would compute, merged over the inputs (mocks return only what we give them). */
function mockState(
  type: string,
  name: string,
  inputs: Props,
  account: Account,
  n: number,
): { id: string; state: Props } {
  const { accountId: acct, region } = account;
  const physical: string = inputs.name ?? `${name}-${n}`;
  const prefix = EC2_ID_PREFIX[type];
  const id = prefix ? `${prefix}-${String(n).padStart(8, '0')}` : physical;
  const state: Props = { ...inputs, name: physical, id };
  switch (type) {
    case 'aws:ecr/repository:Repository':
      return {
        id,
        state: {
          ...state,
          arn: `arn:aws:ecr:${region}:${acct}:repository/${physical}`,
          repositoryUrl: `${acct}.dkr.ecr.${region}.amazonaws.com/${physical}`,
        },
      };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return {
        id,
        state: {
          ...state,
          arn: `arn:aws:elasticloadbalancing:${region}:${acct}:loadbalancer/app/${physical}/50dc6c495c0c9188`,
          arnSuffix: `app/${physical}/50dc6c495c0c9188`,
          dnsName: `${physical}-123456789.${region}.elb.amazonaws.com`,
        },
      };
    case 'aws:lb/targetGroup:TargetGroup':
      return {
        id,
        state: {
          ...state,
          arn: `arn:aws:elasticloadbalancing:${region}:${acct}:targetgroup/${physical}/73e2d6bc24d8a067`,
          arnSuffix: `targetgroup/${physical}/73e2d6bc24d8a067`,
        },
      };
    case 'aws:rds/instance:Instance':
      return {
        id,
        state: {
          ...state,
          arn: `arn:aws:rds:${region}:${acct}:db:${inputs.identifier}`,
          address: `${inputs.identifier}.c9akciq32.${region}.rds.amazonaws.com`,
          masterUserSecrets: [
            {
              secretArn: `arn:aws:secretsmanager:${region}:${acct}:secret:rds!db-3c2a1f5e-7b1d-AbCdEf`,
              secretStatus: 'active',
              kmsKeyId: `arn:aws:kms:${region}:${acct}:key/aws-secretsmanager`,
            },
          ],
        },
      };
    case 'aws:ecs/cluster:Cluster':
      return { id, state: { ...state, arn: `arn:aws:ecs:${region}:${acct}:cluster/${physical}` } };
    case 'aws:ecs/taskDefinition:TaskDefinition':
      return {
        id,
        state: {
          ...state,
          revision: 1,
          arn: `arn:aws:ecs:${region}:${acct}:task-definition/${inputs.family}:1`,
        },
      };
    case 'aws:iam/role:Role':
      return { id, state: { ...state, arn: `arn:aws:iam::${acct}:role/${physical}` } };
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return { id, state: { ...state, arn: githubProviderArn(acct) } };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { id, state: { ...state, arn: `arn:aws:logs:${region}:${acct}:log-group:${physical}` } };
    default:
      return { id, state: { ...state, arn: `arn:aws:mock:${region}:${acct}:${physical}` } };
  }
}

export const githubProviderArn = (acct: string) =>
  `arn:aws:iam::${acct}:oidc-provider/token.actions.githubusercontent.com`;

function mockCall(token: string, account: Account): Props {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        accountId: account.accountId,
        arn: `arn:aws:iam::${account.accountId}:user/tester`,
        userId: 'AIDATESTER',
        id: account.accountId,
      };
    case 'aws:index/getRegion:getRegion':
      return { region: account.region, name: account.region, id: account.region };
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws', id: 'aws' };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones': {
      const names = ['a', 'b', 'c'].map((z) => `${account.region}${z}`);
      return { names, zoneIds: names.map((_, i) => `euw1-az${i + 1}`), id: account.region };
    }
    case 'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider':
      return {
        arn: githubProviderArn(account.accountId),
        url: 'token.actions.githubusercontent.com',
        clientIdLists: ['sts.amazonaws.com'],
        id: githubProviderArn(account.accountId),
      };
    default:
      throw new Error(`unexpected call ${token}: add it to the mocks if the program really needs it`);
  }
}

/**
 * Runs stacks/index.ts as stack `stack` with its Pulumi.<stack>.yaml config plus `overrides`.
 * Call once per module registry (one test file, or after vi.resetModules()).
 */
export async function runStack(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  account: Account = { accountId: '111111111111', region: 'eu-west-1' },
): Promise<StackRun> {
  const resources: RecordedResource[] = [];
  const calls: StackRun['calls'] = [];
  const optsByName = new Map<string, pulumi.CustomResourceOptions>();
  let counter = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === 'pulumi:pulumi:Stack' || !args.custom) return { id: undefined, state: {} };
        const { id, state } = mockState(args.type, args.name, args.inputs, account, ++counter);
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          state,
          opts: optsByName.get(`${args.type}::${args.name}`) ?? {},
        });
        return { id, state };
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs });
        return mockCall(args.token, account);
      },
    },
    PROJECT,
    stack,
    false,
  );
  const config = { ...loadStackConfig(stack), ...overrides };
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).filter((e): e is [string, string] => e[1] !== undefined)),
  );
  const program = `${STACKS_DIR}index.ts`;
  const outputs =
    (await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((t) => {
        optsByName.set(`${t.type}::${t.name}`, t.opts);
        return undefined;
      });
      return { ...(await import(program)) };
    })) ?? {};
  // Let every registration finish against this run's mocks before the next run replaces them.
  await pulumi.runtime.disconnect();
  return {
    resources,
    calls,
    outputs,
    ofType: (type) => resources.filter((r) => r.type === type),
    one(type) {
      const found = resources.filter((r) => r.type === type);
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0]!;
    },
  };
}
