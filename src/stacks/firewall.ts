import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface FirewallArgs {
  /**
   * Prefix of every resource name, such as `shop-staging`.
   */
  name: string;
  /**
   * The VPC the security groups belong to.
   */
  vpcId: pulumi.Input<string>;
  /**
   * The port the container listens on; the only port the ALB may reach on a task.
   * @default 8080
   */
  containerPort?: number;
  /**
   * Whether the ALB listens on 443 (a certificate is configured) besides 80.
   * @default false
   */
  https?: boolean;
  /**
   * Tags added to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
}

export interface NormalizedFirewallArgs {
  name: string;
  vpcId: pulumi.Input<string>;
  containerPort: number;
  https: boolean;
  tags: Record<string, string>;
}

export const POSTGRES_PORT = 5432;

export function normalizeFirewallArgs(args: FirewallArgs): NormalizedFirewallArgs {
  const containerPort = args.containerPort ?? 8080;
  if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
    throw new Error(`\`containerPort\` must be a TCP port from 1 to 65535, got ${containerPort}`);
  }
  return {
    name: args.name,
    vpcId: args.vpcId,
    containerPort,
    https: args.https ?? false,
    tags: args.tags ?? {},
  };
}

/** The ports the internet may open on the ALB: 80 always (it redirects when HTTPS is on), 443 with a certificate. */
export function publicPorts(https: boolean): number[] {
  return https ? [80, 443] : [80];
}

/**
 * Three security groups chained so that the internet reaches only the ALB, only the
 * ALB reaches the tasks (on the container port), and only the tasks reach the database.
 */
export class Firewall extends pulumi.ComponentResource {
  readonly albSecurityGroupId: pulumi.Output<string>;
  readonly tasksSecurityGroupId: pulumi.Output<string>;
  readonly databaseSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:Firewall', name, {}, opts);
    const groups = createFirewall(normalizeFirewallArgs(args), this);
    this.albSecurityGroupId = groups.alb.id;
    this.tasksSecurityGroupId = groups.tasks.id;
    this.databaseSecurityGroupId = groups.database.id;
    this.registerOutputs({});
  }
}

function createFirewall(args: NormalizedFirewallArgs, parent: pulumi.Resource) {
  const opts = { parent };
  const group = (suffix: string, description: string) =>
    new aws.ec2.SecurityGroup(
      `${args.name}-${suffix}`,
      { vpcId: args.vpcId, description, tags: { ...args.tags, Name: `${args.name}-${suffix}` } },
      opts,
    );
  const alb = group('alb', 'ALB: HTTP(S) from the internet');
  const tasks = group('tasks', 'ECS tasks: the container port from the ALB only');
  const database = group('db', 'RDS: PostgreSQL from the ECS tasks only');

  for (const port of publicPorts(args.https)) {
    for (const [family, range] of [
      ['ipv4', { cidrIpv4: '0.0.0.0/0' }],
      ['ipv6', { cidrIpv6: '::/0' }],
    ] as const) {
      new aws.vpc.SecurityGroupIngressRule(
        `${args.name}-alb-in-${port}-${family}`,
        {
          securityGroupId: alb.id,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          ...range,
          tags: args.tags,
        },
        opts,
      );
    }
  }
  const fromTo = (port: number) => ({ ipProtocol: 'tcp', fromPort: port, toPort: port, tags: args.tags });
  new aws.vpc.SecurityGroupEgressRule(
    `${args.name}-alb-out-tasks`,
    { securityGroupId: alb.id, referencedSecurityGroupId: tasks.id, ...fromTo(args.containerPort) },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${args.name}-tasks-in-alb`,
    { securityGroupId: tasks.id, referencedSecurityGroupId: alb.id, ...fromTo(args.containerPort) },
    opts,
  );
  // Tasks pull images, fetch the database secret and ship logs through the NAT gateway,
  // and the application may call anything else it needs.
  new aws.vpc.SecurityGroupEgressRule(
    `${args.name}-tasks-out`,
    { securityGroupId: tasks.id, ipProtocol: '-1', cidrIpv4: '0.0.0.0/0', tags: args.tags },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${args.name}-db-in-tasks`,
    { securityGroupId: database.id, referencedSecurityGroupId: tasks.id, ...fromTo(POSTGRES_PORT) },
    opts,
  );
  return { alb, tasks, database };
}
