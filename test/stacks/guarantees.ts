// The guarantees both environments share, asserted on what the real program creates.
// Each stack's test file runs the program once (its own process) and calls this.
import type { ReportViolation, ResourceValidationArgs } from '@pulumi/policy';
import { beforeAll, describe, expect, it } from 'vitest';
import { descriptorSchema } from '../../src/config/schema.ts';
import { policies } from '../../stacks/policy/policies.ts';
import { type RecordedResource, runStack, type StackRun } from './harness.ts';
import { expiredBy, type Image } from './lifecycle-sim.ts';

export interface Expected {
  stack: 'staging' | 'production';
  azCount: number;
  natGateways: number;
  logRetentionDays: number;
  containerInsights: 'enabled' | 'disabled';
  /** The `sub` claims the deploy role must accept, exactly. */
  subjects: string[];
  /** Extra ECR repositories the deploy role may read (promotion source). */
  promoteSources: string[];
  /** The `sub` claims the promotion source role must accept, exactly; none: no such role. */
  promoteSourceSubjects?: string[];
}

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const statements = (json: string): Statement[] => JSON.parse(json).Statement;

/** Actions AWS authorizes only on "*" (checked independently of the stack's own list). */
const STAR_ONLY = new Set([
  'ecr:GetAuthorizationToken',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTasks',
  'elasticloadbalancing:DescribeTargetHealth',
  'rds:DescribeAccountAttributes',
]);

/** Whether an IAM resource pattern (`*` and `?` wildcards) covers an ARN. */
export const arnMatches = (pattern: string, arn: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  ).test(arn);

/** Whether some Allow statement grants `action` on `arn` (no conditions in the checked policies). */
export const allows = (doc: Statement[], action: string, arn: string) =>
  doc.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).includes(action) &&
      list(s.Resource).some((pattern) => arnMatches(pattern, arn)),
  );

/** Actions that change something: a read-only role must have none. */
export const WRITE_VERB =
  /:(Put|Delete|Update|Register|Deregister|Run|Create|Start|Stop|Tag|Untag|Initiate|Upload|Complete|Pass|Set|Modify|Submit)/;

/** Feeds every recorded resource (or the given ones) to every policy and returns the violations. */
export function violations(run: StackRun, stack: string, only?: RecordedResource[]): string[] {
  const found: string[] = [];
  for (const r of only ?? run.resources) {
    const args = policyArgs(r, stack);
    for (const policy of policies) {
      const report: ReportViolation = (message) =>
        found.push(`${policy.name} on ${r.type} ${r.name}: ${message}`);
      for (const validate of list(policy.validateResource as never)) {
        (validate as unknown as (a: ResourceValidationArgs, rv: ReportViolation) => void)(args, report);
      }
    }
  }
  return found;
}

export function policyArgs(r: RecordedResource, stack: string): ResourceValidationArgs {
  return {
    type: r.type,
    props: r.inputs,
    urn: `urn:pulumi:${stack}::ferry-stacks::${r.type}::${r.name}`,
    name: r.name,
    opts: {
      protect: r.opts.protect === true,
      ignoreChanges: (r.opts.ignoreChanges as string[] | undefined) ?? [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}) as never,
  } as unknown as ResourceValidationArgs;
}

export function describeEnvironmentGuarantees(expected: Expected, getRun: () => StackRun): void {
  const env = expected.stack;
  const name = `shop-${env}`;
  let run: StackRun;
  beforeAll(() => {
    run = getRun();
  });
  const byName = (type: string, n: string) => {
    const found = run.ofType(type).find((r) => r.name === n);
    if (!found) throw new Error(`no ${type} named ${n}`);
    return found;
  };
  const sg = (suffix: string) => byName('aws:ec2/securityGroup:SecurityGroup', `${name}-${suffix}`).state.id;
  const privateSubnetIds = () =>
    run
      .ofType('aws:ec2/subnet:Subnet')
      .filter((s) => s.name.includes('-private-'))
      .map((s) => s.state.id);

  describe('descriptor', () => {
    it('is valid against ferry’s own descriptor schema and stored at /ferry/<app>/<env>/descriptor', () => {
      const parsed = descriptorSchema.safeParse(run.outputs.descriptor);
      expect(parsed.error?.issues ?? []).toEqual([]);
      const parameter = run.one('aws:ssm/parameter:Parameter');
      expect(parameter.inputs.name).toBe(`/ferry/shop/${env}/descriptor`);
      expect(parameter.inputs.type).toBe('String');
      expect(JSON.parse(parameter.inputs.insecureValue)).toEqual(run.outputs.descriptor);
      expect(run.outputs.descriptorParameter).toBe(`/ferry/shop/${env}/descriptor`);
    });

    it('describes the resources the stack created', () => {
      const d = run.outputs.descriptor;
      const service = run.one('aws:ecs/service:Service');
      const repository = run.one('aws:ecr/repository:Repository');
      expect(d).toMatchObject({
        version: 1,
        app: 'shop',
        environment: env,
        region: REGION,
        accountId: ACCOUNT,
      });
      expect(d.cluster).toBe(run.one('aws:ecs/cluster:Cluster').state.name);
      expect(d.services).toEqual([
        {
          name: service.state.name,
          container: 'web',
          baseUrl: `http://${run.one('aws:lb/loadBalancer:LoadBalancer').state.dnsName}`,
          targetGroupArn: run.one('aws:lb/targetGroup:TargetGroup').state.arn,
        },
      ]);
      expect(d.repository).toEqual({ name: repository.state.name, uri: repository.state.repositoryUrl });
      expect(d.database).toEqual({
        identifier: run.one('aws:rds/instance:Instance').inputs.identifier,
        kind: 'instance',
      });
      expect(d.taskDefinitionFamily).toBe(run.one('aws:ecs/taskDefinition:TaskDefinition').inputs.family);
      expect(d.network).toEqual({
        subnets: privateSubnetIds(),
        securityGroups: [sg('tasks')],
        assignPublicIp: false,
      });
    });

    it('exports the deploy role ARN next to the descriptor', () => {
      const role = byName('aws:iam/role:Role', `${name}-deploy`);
      expect(run.outputs.deployRoleArn).toBe(role.state.arn);
      expect(run.outputs.ferryEnvironment).toEqual({ [env]: { roleArn: role.state.arn } });
    });
  });

  describe('registry', () => {
    it('has immutable tags, scan on push and encryption', () => {
      const repo = run.one('aws:ecr/repository:Repository').inputs;
      expect(repo.imageTagMutability).toBe('IMMUTABLE');
      expect(repo.imageScanningConfiguration).toEqual({ scanOnPush: true });
      expect(repo.encryptionConfigurations).toEqual([{ encryptionType: 'AES256' }]);
    });

    it('expires untagged images within a day and never the newest 30 release images', () => {
      const lifecycle = run.one('aws:ecr/lifecyclePolicy:LifecyclePolicy').inputs;
      expect(lifecycle.repository).toBe(run.one('aws:ecr/repository:Repository').state.name);
      const policy = JSON.parse(lifecycle.policy);
      const now = Date.UTC(2026, 10, 1);
      const hour = 3_600_000;
      // 40 releases, one an hour, the oldest 3 years old; plus untagged leftovers.
      const releases: Image[] = Array.from({ length: 40 }, (_, i) => ({
        digest: `sha256:r${i}`,
        tags: [(0x1000000 + i).toString(16).padStart(7, '0')],
        pushedAt: i === 0 ? now - 3 * 365 * 24 * hour : now - (40 - i) * hour,
      }));
      const untagged: Image[] = [
        { digest: 'sha256:old-untagged', tags: [], pushedAt: now - 30 * hour },
        { digest: 'sha256:new-untagged', tags: [], pushedAt: now - hour },
      ];
      const expired = expiredBy(policy, [...releases, ...untagged], now);
      const newest30 = releases.slice(10).map((r) => r.digest);
      expect(newest30.filter((d) => expired.has(d))).toEqual([]);
      expect(releases.slice(0, 10).every((r) => expired.has(r.digest))).toBe(true);
      expect(expired.has('sha256:old-untagged')).toBe(true);
      expect(expired.has('sha256:new-untagged')).toBe(false);
    });

    it('has no age-based rule that could expire a recent release', () => {
      const policy = JSON.parse(run.one('aws:ecr/lifecyclePolicy:LifecyclePolicy').inputs.policy);
      const ageRules = policy.rules.filter(
        (r: { selection: { countType: string; tagStatus: string } }) =>
          r.selection.countType === 'sinceImagePushed',
      );
      expect(ageRules.map((r: { selection: { tagStatus: string } }) => r.selection.tagStatus)).toEqual([
        'untagged',
      ]);
    });
  });

  describe('service', () => {
    it('rolls out with 100/200, the circuit breaker and the deployment alarms, both rolling back', () => {
      const svc = run.one('aws:ecs/service:Service').inputs;
      expect(svc.deploymentMinimumHealthyPercent).toBe(100);
      expect(svc.deploymentMaximumPercent).toBe(200);
      expect(svc.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
      const alarms = run.ofType('aws:cloudwatch/metricAlarm:MetricAlarm');
      expect({ ...svc.alarms, alarmNames: [...svc.alarms.alarmNames].sort() }).toEqual({
        alarmNames: alarms.map((a) => a.state.name).sort(),
        enable: true,
        rollback: true,
      });
      expect(alarms.map((a) => a.inputs.metricName).sort()).toEqual([
        'HTTPCode_ELB_5XX_Count',
        'HTTPCode_Target_5XX_Count',
        'UnHealthyHostCount',
      ]);
      const lbSuffix = run.one('aws:lb/loadBalancer:LoadBalancer').state.arnSuffix;
      const tgSuffix = run.one('aws:lb/targetGroup:TargetGroup').state.arnSuffix;
      for (const alarm of alarms) {
        expect(alarm.inputs.namespace).toBe('AWS/ApplicationELB');
        expect(alarm.inputs.dimensions.LoadBalancer).toBe(lbSuffix);
        if (alarm.inputs.metricName !== 'HTTPCode_ELB_5XX_Count')
          expect(alarm.inputs.dimensions.TargetGroup).toBe(tgSuffix);
      }
    });

    it('gives new tasks a health check grace period', () => {
      expect(run.one('aws:ecs/service:Service').inputs.healthCheckGracePeriodSeconds).toBe(60);
    });

    it('ignores task definition changes so pulumi up never reverts a ferry release', () => {
      expect(run.one('aws:ecs/service:Service').opts.ignoreChanges).toEqual(['taskDefinition']);
    });

    it('runs Fargate tasks in the private subnets, behind the target group, without public IPs', () => {
      const svc = run.one('aws:ecs/service:Service').inputs;
      expect(svc.launchType).toBe('FARGATE');
      expect(svc.networkConfiguration).toEqual({
        subnets: privateSubnetIds(),
        securityGroups: [sg('tasks')],
        assignPublicIp: false,
      });
      expect(svc.loadBalancers).toEqual([
        {
          targetGroupArn: run.one('aws:lb/targetGroup:TargetGroup').state.arn,
          containerName: 'web',
          containerPort: 8080,
        },
      ]);
      expect(svc.cluster).toBe(run.one('aws:ecs/cluster:Cluster').state.arn);
    });

    it(`sets Container Insights ${expected.containerInsights}`, () => {
      expect(run.one('aws:ecs/cluster:Cluster').inputs.settings).toEqual([
        { name: 'containerInsights', value: expected.containerInsights },
      ]);
    });
  });

  describe('task definition', () => {
    const container = () => {
      const containers = JSON.parse(
        run.one('aws:ecs/taskDefinition:TaskDefinition').inputs.containerDefinitions,
      );
      expect(containers).toHaveLength(1);
      return containers[0];
    };

    it('passes APP_VERSION and the database settings, the password only as an ECS secret', () => {
      const c = container();
      const db = run.one('aws:rds/instance:Instance');
      const env = Object.fromEntries(
        c.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
      );
      expect(env).toMatchObject({
        APP_VERSION: 'bootstrap',
        DATABASE_HOST: db.state.address,
        DATABASE_PORT: '5432',
        DATABASE_NAME: 'app',
        DATABASE_USER: 'app',
      });
      // Where the password lives (an ARN, so the app can re-read it after a rotation), never the password.
      expect(env.DATABASE_SECRET_ARN).toBe(db.state.masterUserSecrets[0].secretArn);
      expect(Object.keys(env).filter((k) => /PASSWORD|SECRET/.test(k))).toEqual(['DATABASE_SECRET_ARN']);
      expect(c.secrets).toEqual([
        { name: 'DATABASE_PASSWORD', valueFrom: `${db.state.masterUserSecrets[0].secretArn}:password::` },
      ]);
    });

    it(`logs with awslogs to a group kept ${expected.logRetentionDays} days`, () => {
      const group = run.one('aws:cloudwatch/logGroup:LogGroup').inputs;
      expect(group.retentionInDays).toBe(expected.logRetentionDays);
      expect(container().logConfiguration).toEqual({
        logDriver: 'awslogs',
        options: { 'awslogs-group': group.name, 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' },
      });
    });

    it('uses the execution and task roles, and keeps old revisions as rollback targets', () => {
      const td = run.one('aws:ecs/taskDefinition:TaskDefinition').inputs;
      expect(td.executionRoleArn).toBe(byName('aws:iam/role:Role', `${name}-execution`).state.arn);
      expect(td.taskRoleArn).toBe(byName('aws:iam/role:Role', `${name}-task`).state.arn);
      expect(td.requiresCompatibilities).toEqual(['FARGATE']);
      expect(td.networkMode).toBe('awsvpc');
      expect(td.skipDestroy).toBe(true);
    });

    it('lets the execution role pull this repository, write its logs and read the database secret, nothing more', () => {
      const doc = statements(byName('aws:iam/rolePolicy:RolePolicy', `${name}-execution`).inputs.policy);
      const repoArn = run.one('aws:ecr/repository:Repository').state.arn;
      const logArn = run.one('aws:cloudwatch/logGroup:LogGroup').state.arn;
      const secretArn = run.one('aws:rds/instance:Instance').state.masterUserSecrets[0].secretArn;
      const grants = doc
        .flatMap((s) => list(s.Action).map((a) => `${a} ${list(s.Resource).join(',')}`))
        .sort();
      expect(grants).toEqual(
        [
          `ecr:BatchCheckLayerAvailability ${repoArn}`,
          `ecr:BatchGetImage ${repoArn}`,
          'ecr:GetAuthorizationToken *',
          `ecr:GetDownloadUrlForLayer ${repoArn}`,
          `logs:CreateLogStream ${logArn}:*`,
          `logs:PutLogEvents ${logArn}:*`,
          `secretsmanager:GetSecretValue ${secretArn}`,
        ].sort(),
      );
    });
  });

  describe('load balancer', () => {
    it('checks /health every 10 s (healthy 2, unhealthy 3) and drains for 30 s', () => {
      const tg = run.one('aws:lb/targetGroup:TargetGroup').inputs;
      expect(tg.healthCheck).toMatchObject({
        path: '/health',
        interval: 10,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      });
      expect(tg.deregistrationDelay).toBe(30);
      expect(tg.targetType).toBe('ip');
      expect(tg.port).toBe(8080);
    });

    it('serves plain HTTP on 80 when no certificate is configured', () => {
      const listeners = run.ofType('aws:lb/listener:Listener').map((l) => l.inputs);
      expect(listeners).toHaveLength(1);
      expect(listeners[0]).toMatchObject({ port: 80, protocol: 'HTTP' });
      expect(listeners[0]?.defaultActions).toEqual([
        { type: 'forward', targetGroupArn: run.one('aws:lb/targetGroup:TargetGroup').state.arn },
      ]);
    });

    it('is internet-facing in the public subnets', () => {
      const alb = run.one('aws:lb/loadBalancer:LoadBalancer').inputs;
      const publicIds = run
        .ofType('aws:ec2/subnet:Subnet')
        .filter((s) => s.name.includes('-public-'))
        .map((s) => s.state.id);
      expect(alb.internal).toBe(false);
      expect(alb.subnets).toEqual(publicIds);
      expect(alb.securityGroups).toEqual([sg('alb')]);
    });
  });

  describe('security groups', () => {
    const ingress = () =>
      run.ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').map((r) => r.inputs);

    it('let only the ALB reach the tasks, on the container port', () => {
      const toTasks = ingress().filter((r) => r.securityGroupId === sg('tasks'));
      expect(toTasks).toEqual([
        expect.objectContaining({ referencedSecurityGroupId: sg('alb'), fromPort: 8080, toPort: 8080 }),
      ]);
      expect(toTasks[0]?.cidrIpv4).toBeUndefined();
    });

    it('let only the tasks reach the database, on 5432', () => {
      const toDb = ingress().filter((r) => r.securityGroupId === sg('db'));
      expect(toDb).toEqual([
        expect.objectContaining({ referencedSecurityGroupId: sg('tasks'), fromPort: 5432, toPort: 5432 }),
      ]);
      expect(toDb[0]?.cidrIpv4).toBeUndefined();
    });

    it('open only port 80 of the ALB to the internet', () => {
      const toAlb = ingress().filter((r) => r.securityGroupId === sg('alb'));
      expect(new Set(toAlb.map((r) => r.fromPort))).toEqual(new Set([80]));
    });
  });

  describe('database', () => {
    it('is encrypted, private, reachable from the tasks only, with a managed master password', () => {
      const db = run.one('aws:rds/instance:Instance').inputs;
      expect(db).toMatchObject({
        engine: 'postgres',
        storageEncrypted: true,
        manageMasterUserPassword: true,
        copyTagsToSnapshot: true,
        publiclyAccessible: false,
        vpcSecurityGroupIds: [sg('db')],
      });
      expect(db.password).toBeUndefined();
      const subnetGroup = run.one('aws:rds/subnetGroup:SubnetGroup');
      expect(db.dbSubnetGroupName).toBe(subnetGroup.state.name);
      expect(subnetGroup.inputs.subnetIds).toEqual(privateSubnetIds());
    });
  });

  describe('network', () => {
    it(`spans ${expected.azCount} AZs with a public and a private subnet in each`, () => {
      const subnets = run.ofType('aws:ec2/subnet:Subnet').map((s) => s.inputs);
      expect(subnets).toHaveLength(expected.azCount * 2);
      expect(new Set(subnets.map((s) => s.availabilityZone)).size).toBe(expected.azCount);
      expect(new Set(subnets.map((s) => s.cidrBlock)).size).toBe(subnets.length);
    });

    it(`routes the private subnets through ${expected.natGateways} NAT gateway(s)`, () => {
      const nats = run.ofType('aws:ec2/natGateway:NatGateway');
      expect(nats).toHaveLength(expected.natGateways);
      expect(run.outputs.natGateways).toBe(expected.natGateways);
      const natIds = nats.map((n) => n.state.id);
      const privateRoutes = run
        .ofType('aws:ec2/routeTable:RouteTable')
        .filter((t) => t.name.includes('-private-'))
        .map((t) => t.inputs.routes[0].natGatewayId);
      expect(privateRoutes).toHaveLength(expected.azCount);
      expect(new Set(privateRoutes)).toEqual(new Set(natIds));
      const publicSubnetIds = run
        .ofType('aws:ec2/subnet:Subnet')
        .filter((s) => s.name.includes('-public-'))
        .map((s) => s.state.id);
      expect(nats.every((n) => publicSubnetIds.includes(n.inputs.subnetId))).toBe(true);
    });
  });

  describe('deploy role', () => {
    const trust = () => statements(byName('aws:iam/role:Role', `${name}-deploy`).inputs.assumeRolePolicy);
    const permissions = () =>
      statements(byName('aws:iam/rolePolicy:RolePolicy', `${name}-deploy`).inputs.policy);

    it('trusts GitHub OIDC with aud pinned and sub pinned to the name and id forms', () => {
      const [only, ...rest] = trust();
      expect(rest).toEqual([]);
      expect(only).toEqual({
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': expected.subjects,
          },
        },
      });
    });

    it('allows no wildcard action', () => {
      for (const s of permissions()) {
        for (const action of list(s.Action)) expect(action, `${s.Sid}`).not.toContain('*');
      }
    });

    it('uses "*" resources only for actions AWS cannot scope', () => {
      for (const s of permissions().filter((s) => list(s.Resource).includes('*'))) {
        expect(
          list(s.Action).filter((a) => !STAR_ONLY.has(a)),
          `${s.Sid}`,
        ).toEqual([]);
      }
    });

    it('passes only the two task roles, and only to ECS tasks', () => {
      const pass = permissions().filter((s) => list(s.Action).includes('iam:PassRole'));
      expect(pass).toHaveLength(1);
      expect(list(pass[0]?.Action)).toEqual(['iam:PassRole']);
      expect(list(pass[0]?.Resource).sort()).toEqual(
        [
          byName('aws:iam/role:Role', `${name}-execution`).state.arn,
          byName('aws:iam/role:Role', `${name}-task`).state.arn,
        ].sort(),
      );
      expect(pass[0]?.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
    });

    it('keeps every service to this environment’s own resources', () => {
      const repoArn = run.one('aws:ecr/repository:Repository').state.arn;
      const dbArn = run.one('aws:rds/instance:Instance').state.arn;
      const logArn = run.one('aws:cloudwatch/logGroup:LogGroup').state.arn;
      const ecsPrefix = `arn:aws:ecs:${REGION}:${ACCOUNT}:`;
      const allowedFor: Record<string, (resource: string, action: string) => boolean> = {
        ecr: (r, a) =>
          r === repoArn ||
          (expected.promoteSources.includes(r) &&
            /^ecr:(BatchGetImage|GetDownloadUrlForLayer|BatchCheckLayerAvailability|DescribeImages)$/.test(
              a,
            )),
        ecs: (r) =>
          [
            `${ecsPrefix}cluster/${name}`,
            `${ecsPrefix}service/${name}/${name}-web`,
            `${ecsPrefix}service-deployment/${name}/${name}-web/*`,
            `${ecsPrefix}task-definition/${name}-web:*`,
            `${ecsPrefix}task/${name}/*`,
          ].includes(r),
        rds: (r) => r === dbArn || r === `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:ferry-${env}-*`,
        ssm: (r) => r === `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ferry/shop/${env}/*`,
        logs: (r) => r === `${logArn}:log-stream:*`,
        iam: (r) => r.startsWith(`arn:aws:iam::${ACCOUNT}:role/${name}-`),
        cloudwatch: (r) => r === `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}-*`,
        elasticloadbalancing: () => false,
      };
      for (const s of permissions()) {
        for (const action of list(s.Action)) {
          const check = allowedFor[action.split(':')[0]!];
          expect(check, `unexpected service in ${action}`).toBeDefined();
          for (const resource of list(s.Resource).filter((r) => r !== '*')) {
            expect(check?.(resource, action), `${action} on ${resource}`).toBe(true);
          }
        }
      }
    });

    it('pins RunTask and ListTasks to this cluster', () => {
      const clusterArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`;
      for (const s of permissions().filter((s) =>
        list(s.Action).some((a) => a === 'ecs:RunTask' || a === 'ecs:ListTasks'),
      )) {
        expect(s.Condition).toEqual({ ArnEquals: { 'ecs:cluster': clusterArn } });
      }
    });

    it('grants what ferry build, deploy, promote, rollback and status call', () => {
      const granted = new Set(permissions().flatMap((s) => list(s.Action)));
      // The e2e suite (test/e2e/iam.test.ts) holds these against what ferry really calls.
      const needed = [
        ...(env === 'production' ? [] : ['ecr:GetAuthorizationToken']),
        'ecr:PutImage',
        'ecr:CompleteLayerUpload',
        'ecr:DescribeImages',
        'ecs:DescribeServiceDeployments',
        'iam:SimulatePrincipalPolicy',
        'ecs:DescribeTaskDefinition',
        'ecs:RegisterTaskDefinition',
        'ecs:UpdateService',
        'ecs:DescribeServices',
        'ecs:RunTask',
        'ecs:DescribeTasks',
        'iam:PassRole',
        'rds:CreateDBSnapshot',
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBInstances',
        'ssm:PutParameter',
        'ssm:GetParameter',
        'ssm:GetParameterHistory',
        'ssm:DeleteParameter',
        'elasticloadbalancing:DescribeTargetHealth',
        'logs:GetLogEvents',
      ];
      expect(needed.filter((a) => !granted.has(a))).toEqual([]);
    });
  });

  describe('promotion source role', () => {
    const role = () => run.ofType('aws:iam/role:Role').find((r) => r.name === `${name}-promote-source`);
    const rolePolicy = () =>
      run.ofType('aws:iam/rolePolicy:RolePolicy').find((r) => r.name === `${name}-promote-source`);
    const subjects = expected.promoteSourceSubjects;

    if (!subjects) {
      it('is not created, and no ARN is exported', () => {
        expect(role()).toBeUndefined();
        expect(rolePolicy()).toBeUndefined();
        expect(run.outputs.promoteSourceRoleArn).toBeNull();
      });
      return;
    }

    const permissions = () => statements(rolePolicy()!.inputs.policy);
    const ecs = `arn:aws:ecs:${REGION}:${ACCOUNT}`;

    it('is created, attached to its own policy, and its ARN exported', () => {
      expect(role()?.inputs.name).toBe(`${name}-promote-source`);
      expect(rolePolicy()?.inputs.role).toBe(role()?.state.name);
      expect(run.outputs.promoteSourceRoleArn).toBe(role()?.state.arn);
      expect(run.outputs.promoteSourceRoleArn).not.toBe(run.outputs.deployRoleArn);
    });

    it('trusts only the promoting environment’s jobs, aud pinned, in both subject forms', () => {
      expect(statements(role()!.inputs.assumeRolePolicy)).toEqual([
        {
          Effect: 'Allow',
          Principal: {
            Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': subjects,
            },
          },
        },
      ]);
    });

    it('grants exactly the reads of ferry promote, statement by statement, on this environment only', () => {
      const repoArn = run.one('aws:ecr/repository:Repository').state.arn;
      const cluster = run.one('aws:ecs/cluster:Cluster').state.name;
      const service = run.one('aws:ecs/service:Service').state.name;
      const family = run.one('aws:ecs/taskDefinition:TaskDefinition').inputs.family;
      const allow = (Sid: string, Action: string[], Resource: string[]) => ({
        Sid,
        Effect: 'Allow',
        Action,
        Resource,
      });
      expect(permissions()).toEqual([
        allow(
          'EcrReadImage',
          ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:DescribeImages'],
          [repoArn],
        ),
        allow('EcsReadService', ['ecs:DescribeServices'], [`${ecs}:service/${cluster}/${service}`]),
        allow('EcsReadTaskDefinition', ['ecs:DescribeTaskDefinition'], ['*']),
        allow(
          'EcsReadTaskDefinitionTags',
          ['ecs:ListTagsForResource'],
          [`${ecs}:task-definition/${family}:*`],
        ),
        allow(
          'FerryStateRead',
          ['ssm:GetParameter', 'ssm:GetParameterHistory'],
          [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ferry/shop/${env}/*`],
        ),
      ]);
    });

    it('is read-only: no Put, Delete, Update, Register, Run, Create or other write action', () => {
      const actions = permissions().flatMap((s) => list(s.Action));
      expect(actions.filter((a) => WRITE_VERB.test(a))).toEqual([]);
      expect(actions.filter((a) => !/^[a-z]+:(Get|Describe|List|BatchGet|BatchCheck)/.test(a))).toEqual([]);
    });

    it('allows what promote reads here (descriptor, ledger, service, task definition, image) and nothing of another environment', () => {
      const doc = permissions();
      const ssm = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter`;
      const descriptorArn = run.one('aws:ssm/parameter:Parameter').state.arn;
      const repoArn = run.one('aws:ecr/repository:Repository').state.arn;
      const serviceArn = `${ecs}:service/${name}/${name}-web`;
      const revision = run.one('aws:ecs/taskDefinition:TaskDefinition').state.arn;
      expect(descriptorArn).toBe(`${ssm}/ferry/shop/${env}/descriptor`);
      const needed: [string, string][] = [
        ['ssm:GetParameter', descriptorArn],
        ['ssm:GetParameterHistory', `${ssm}/ferry/shop/${env}/releases`],
        ['ecs:DescribeServices', serviceArn],
        ['ecs:DescribeTaskDefinition', revision],
        ['ecs:ListTagsForResource', revision],
        ['ecr:DescribeImages', repoArn],
        ['ecr:BatchGetImage', repoArn],
        ['ecr:GetDownloadUrlForLayer', repoArn],
      ];
      expect(needed.filter(([action, arn]) => !allows(doc, action, arn))).toEqual([]);
      const other = env === 'production' ? 'staging' : 'production';
      const elsewhere: [string, string][] = [
        ['ssm:GetParameter', `${ssm}/ferry/shop/${other}/descriptor`],
        ['ssm:GetParameterHistory', `${ssm}/ferry/shop/${other}/releases`],
        ['ssm:GetParameter', `${ssm}/ferry/other-app/${env}/descriptor`],
        ['ecs:DescribeServices', `${ecs}:service/shop-${other}/shop-${other}-web`],
        ['ecr:BatchGetImage', repoArn.replace(name, `shop-${other}`)],
        ['ecr:PutImage', repoArn],
        ['ssm:PutParameter', `${ssm}/ferry/shop/${env}/releases`],
        ['ecs:UpdateService', serviceArn],
      ];
      expect(elsewhere.filter(([action, arn]) => allows(doc, action, arn))).toEqual([]);
    });

    it('is accepted by the policy pack, which would reject a widened copy', () => {
      const own = [role()!, rolePolicy()!];
      expect(violations(run, env, own)).toEqual([]);
      const widened = permissions().map((s) =>
        s.Sid === 'FerryStateRead' ? { ...s, Action: ['ssm:*'], Resource: '*' } : s,
      );
      const loose = JSON.parse(role()!.inputs.assumeRolePolicy);
      loose.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub'] = 'repo:acme/*';
      const bad = [
        {
          ...rolePolicy()!,
          inputs: { ...rolePolicy()!.inputs, policy: JSON.stringify({ Statement: widened }) },
        },
        { ...role()!, inputs: { ...role()!.inputs, assumeRolePolicy: JSON.stringify(loose) } },
      ];
      const found = violations(run, env, bad);
      expect(found).toEqual([
        expect.stringMatching(/^iam-no-wildcards on .*promote-source: .*wildcard action ssm:\*/),
        expect.stringMatching(/^iam-no-wildcards on .*promote-source: .*on "\*"/),
        expect.stringMatching(/^oidc-trust-pinned on .*promote-source: .*pin sub/),
      ]);
    });
  });

  describe('policy pack', () => {
    it('accepts every resource this stack creates', () => {
      expect(violations(run, env)).toEqual([]);
    });
  });
}

export { runStack };
