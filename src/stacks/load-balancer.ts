import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface LoadBalancerArgs {
  /**
   * Prefix of every resource name, such as `shop-staging` (an ALB name has at most 32 characters).
   */
  name: string;
  /**
   * The VPC of the target group. Required.
   */
  vpcId: pulumi.Input<string>;
  /**
   * Public subnets, one per AZ.
   */
  subnetIds: pulumi.Input<string>[];
  /**
   * The ALB's security group.
   */
  securityGroupId: pulumi.Input<string>;
  /**
   * The port the container listens on.
   * @default 8080
   */
  containerPort?: number;
  /**
   * The path the target group checks; it must answer 200 once the app is ready.
   * @default "/health"
   */
  healthCheckPath?: string;
  /**
   * Seconds a deregistered task keeps serving in-flight requests before it stops.
   * @default 30
   */
  deregistrationDelaySeconds?: number;
  /**
   * An ACM certificate ARN: listen on 443 and redirect 80 to it. Without one the ALB serves HTTP on 80.
   * @default undefined
   */
  certificateArn?: string;
  /**
   * The host name users reach (a DNS record you manage pointing at the ALB); needed with `certificateArn`
   * so that ferry's health checks present a name the certificate covers.
   * @default undefined (the ALB's own DNS name)
   */
  domainName?: string;
  /**
   * TLS policy of the HTTPS listener.
   * @default "ELBSecurityPolicy-TLS13-1-2-2021-06"
   */
  sslPolicy?: string;
  /**
   * Tags added to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
}

export interface NormalizedLoadBalancerArgs {
  name: string;
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  containerPort: number;
  healthCheckPath: string;
  deregistrationDelaySeconds: number;
  certificateArn: string | undefined;
  domainName: string | undefined;
  sslPolicy: string;
  tags: Record<string, string>;
}

/**
 * Target group names are limited to 32 characters, and Pulumi auto-names this
 * one `<name>-web` plus `-` and 7 random characters: `name` may have 20.
 */
export const MAX_TARGET_GROUP_PREFIX = 32 - '-web'.length - 8;

export function normalizeLoadBalancerArgs(args: LoadBalancerArgs): NormalizedLoadBalancerArgs {
  if (args.name.length > 32) {
    throw new Error(
      `\`name\` must have at most 32 characters for an ALB, got ${args.name} (${args.name.length})`,
    );
  }
  if (args.name.length > MAX_TARGET_GROUP_PREFIX) {
    throw new Error(
      `\`name\` must have at most ${MAX_TARGET_GROUP_PREFIX} characters: the target group is auto-named \`<name>-web-<7 random>\` within AWS's 32, got ${args.name} (${args.name.length}); shorten the app or environment name`,
    );
  }
  const healthCheckPath = args.healthCheckPath ?? '/health';
  if (!healthCheckPath.startsWith('/')) {
    throw new Error(`\`healthCheckPath\` must start with /, such as /health, got ${healthCheckPath}`);
  }
  if (args.certificateArn && !args.certificateArn.startsWith('arn:')) {
    throw new Error(`\`certificateArn\` must be an ACM certificate ARN, got ${args.certificateArn}`);
  }
  if (args.certificateArn && !args.domainName) {
    throw new Error(
      '`domainName` is required with `certificateArn`: the certificate does not cover the ALB DNS name',
    );
  }
  return {
    name: args.name,
    vpcId: args.vpcId,
    subnetIds: args.subnetIds,
    securityGroupId: args.securityGroupId,
    containerPort: args.containerPort ?? 8080,
    healthCheckPath,
    deregistrationDelaySeconds: args.deregistrationDelaySeconds ?? 30,
    certificateArn: args.certificateArn || undefined,
    domainName: args.domainName || undefined,
    sslPolicy: args.sslPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    tags: args.tags ?? {},
  };
}

/**
 * Fast enough for ferry's verify step: a new task is healthy after 2 x 10 s and an
 * unhealthy one is out after 3 x 10 s.
 */
export function targetHealthCheck(path: string) {
  return {
    enabled: true,
    path,
    protocol: 'HTTP',
    matcher: '200',
    interval: 10,
    timeout: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
  };
}

export interface ListenerPlan {
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  action: 'forward' | 'redirect-to-https';
}

/** HTTPS with HTTP redirected when a certificate is configured, plain HTTP otherwise. */
export function listenerPlan(certificateArn: string | undefined): ListenerPlan[] {
  return certificateArn
    ? [
        { port: 443, protocol: 'HTTPS', action: 'forward' },
        { port: 80, protocol: 'HTTP', action: 'redirect-to-https' },
      ]
    : [{ port: 80, protocol: 'HTTP', action: 'forward' }];
}

/** The URL ferry checks the service's health at. */
export function publicBaseUrl(args: {
  certificateArn?: string;
  domainName?: string;
  dnsName: string;
}): string {
  return args.certificateArn ? `https://${args.domainName}` : `http://${args.dnsName}`;
}

/** An internet-facing ALB with one IP target group for the service's tasks. */
export class LoadBalancer extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly arnSuffix: pulumi.Output<string>;
  readonly dnsName: pulumi.Output<string>;
  readonly baseUrl: pulumi.Output<string>;
  readonly targetGroupArn: pulumi.Output<string>;
  readonly targetGroupArnSuffix: pulumi.Output<string>;
  /** The service must be created after these, or ECS refuses a target group without a load balancer. */
  readonly listeners: aws.lb.Listener[];

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:LoadBalancer', name, {}, opts);
    const settings = normalizeLoadBalancerArgs(args);
    const created = createLoadBalancer(settings, this);
    this.arn = created.alb.arn;
    this.arnSuffix = created.alb.arnSuffix;
    this.dnsName = created.alb.dnsName;
    this.baseUrl = created.alb.dnsName.apply((dnsName) => publicBaseUrl({ ...settings, dnsName }));
    this.targetGroupArn = created.targetGroup.arn;
    this.targetGroupArnSuffix = created.targetGroup.arnSuffix;
    this.listeners = created.listeners;
    this.registerOutputs({ baseUrl: this.baseUrl });
  }
}

function createLoadBalancer(args: NormalizedLoadBalancerArgs, parent: pulumi.Resource) {
  const opts = { parent };
  const alb = new aws.lb.LoadBalancer(
    args.name,
    {
      name: args.name,
      loadBalancerType: 'application',
      internal: false,
      subnets: args.subnetIds,
      securityGroups: [args.securityGroupId],
      dropInvalidHeaderFields: true,
      tags: args.tags,
    },
    opts,
  );
  // Auto-named, so a replacement can be created before the old one is deleted.
  const targetGroup = new aws.lb.TargetGroup(
    `${args.name}-web`,
    {
      vpcId: args.vpcId,
      targetType: 'ip',
      protocol: 'HTTP',
      port: args.containerPort,
      deregistrationDelay: args.deregistrationDelaySeconds,
      healthCheck: targetHealthCheck(args.healthCheckPath),
      tags: args.tags,
    },
    opts,
  );
  const listeners = listenerPlan(args.certificateArn).map(
    (plan) =>
      new aws.lb.Listener(
        `${args.name}-${plan.protocol.toLowerCase()}`,
        {
          loadBalancerArn: alb.arn,
          port: plan.port,
          protocol: plan.protocol,
          ...(plan.protocol === 'HTTPS'
            ? { certificateArn: args.certificateArn, sslPolicy: args.sslPolicy }
            : {}),
          defaultActions: [
            plan.action === 'forward'
              ? { type: 'forward', targetGroupArn: targetGroup.arn }
              : { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
          ],
          tags: args.tags,
        },
        opts,
      ),
  );
  return { alb, targetGroup, listeners };
}
