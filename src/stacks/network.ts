import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** How many NAT gateways the private subnets share. */
export type NatGatewayMode = 'single' | 'perAz';

export interface NetworkArgs {
  /**
   * Prefix of every resource name, such as `shop-staging`.
   */
  name: string;
  /**
   * The VPC's IPv4 range; a /16 to /24 split into one public and one private subnet per AZ.
   * @default "10.0.0.0/16"
   */
  cidrBlock?: string;
  /**
   * How many availability zones to span (the first N the region reports as available).
   * @default 2
   */
  azCount?: number;
  /**
   * `single`: one NAT gateway for every private subnet (cheaper, loses egress if its AZ fails).
   * `perAz`: one per AZ, so an AZ outage never cuts the others off.
   * @default "single"
   */
  natGateways?: NatGatewayMode;
  /**
   * Tags added to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
}

export interface NormalizedNetworkArgs {
  name: string;
  cidrBlock: string;
  azCount: number;
  natGateways: NatGatewayMode;
  tags: Record<string, string>;
}

const NAT_MODES: readonly NatGatewayMode[] = ['single', 'perAz'];

export function normalizeNetworkArgs(args: NetworkArgs): NormalizedNetworkArgs {
  const azCount = args.azCount ?? 2;
  if (!Number.isInteger(azCount) || azCount < 2 || azCount > 6) {
    throw new Error(
      `\`azCount\` must be an integer from 2 to 6 (an ALB and a multi-AZ database need 2), got ${azCount}`,
    );
  }
  const natGateways = args.natGateways ?? 'single';
  if (!NAT_MODES.includes(natGateways)) {
    throw new Error(`\`natGateways\` must be one of ${NAT_MODES.join(', ')}, got ${natGateways}`);
  }
  const cidrBlock = args.cidrBlock ?? '10.0.0.0/16';
  subnetCidrs(cidrBlock, azCount); // validates the range early, with a readable message
  return { name: args.name, cidrBlock, azCount, natGateways, tags: args.tags ?? {} };
}

/** One NAT gateway in total, or one per AZ. */
export function natGatewayCount(mode: NatGatewayMode, azCount: number): number {
  return mode === 'perAz' ? azCount : 1;
}

/** Which NAT gateway the private subnet of AZ `azIndex` routes through. */
export function natGatewayIndexFor(azIndex: number, natCount: number): number {
  return Math.min(azIndex, natCount - 1);
}

/** us-east-1 / eu-west-1 list price of a NAT gateway hour, in USD (data processing comes on top). */
export const NAT_GATEWAY_HOURLY_USD = 0.045;
/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

/** The fixed monthly cost of the NAT gateways, before $0.045 per GB processed. */
export function natMonthlyCostUsd(natCount: number): number {
  return Math.round(natCount * NAT_GATEWAY_HOURLY_USD * HOURS_PER_MONTH * 100) / 100;
}

/**
 * Subnets are a sixteenth of the VPC (prefix + 4), and an ALB needs subnets of
 * at least /27 with 8 free addresses: a /24 VPC would give /28 subnets that
 * AWS accepts, and then CreateLoadBalancer fails.
 */
export const MAX_VPC_PREFIX = 23;

function parseCidr(cidr: string): { base: number; prefix: number } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix < 16 || prefix > MAX_VPC_PREFIX) {
    throw new Error(
      `\`cidrBlock\` must be an IPv4 range from /16 to /${MAX_VPC_PREFIX}, such as 10.0.0.0/16, got ${cidr}` +
        (match && prefix > MAX_VPC_PREFIX && prefix <= 28
          ? ` (its subnets would be /${prefix + 4}; an ALB needs subnets of /27 or larger)`
          : ''),
    );
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const mask = 2 ** (32 - prefix);
  return { base: base - (base % mask), prefix };
}

function formatCidr(address: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}

/**
 * Splits the VPC range into 16 equal blocks: public subnets take blocks 0..n-1,
 * private subnets blocks 8..8+n-1, so adding an AZ later never renumbers a subnet.
 */
export function subnetCidrs(vpcCidr: string, azCount: number): { public: string[]; private: string[] } {
  const { base, prefix } = parseCidr(vpcCidr);
  const subnetPrefix = prefix + 4;
  const size = 2 ** (32 - subnetPrefix);
  const block = (n: number) => formatCidr(base + n * size, subnetPrefix);
  const indexes = Array.from({ length: azCount }, (_, i) => i);
  return { public: indexes.map(block), private: indexes.map((i) => block(8 + i)) };
}

/** A VPC with public subnets (ALB, NAT) and private subnets (tasks, database) over several AZs. */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly natGatewayCount: number;
  /**
   * The private subnets' NAT routes: tasks in those subnets pull images and reach AWS
   * through them, so whatever runs there depends on these.
   */
  readonly privateRouting: pulumi.Resource[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:Network', name, {}, opts);
    const settings = normalizeNetworkArgs(args);
    const created = createNetwork(settings, this);
    this.vpcId = created.vpc.id;
    this.publicSubnetIds = created.publicSubnets.map((s) => s.id);
    this.privateSubnetIds = created.privateSubnets.map((s) => s.id);
    this.natGatewayCount = created.natGateways.length;
    this.privateRouting = created.privateRouting;
    this.registerOutputs({ vpcId: this.vpcId });
  }
}

function createNetwork(args: NormalizedNetworkArgs, parent: pulumi.Resource) {
  const opts = { parent };
  const named = (suffix: string) => ({ ...args.tags, Name: `${args.name}-${suffix}` });
  const zones = aws.getAvailabilityZonesOutput({ state: 'available' }, opts);
  const cidrs = subnetCidrs(args.cidrBlock, args.azCount);

  const vpc = new aws.ec2.Vpc(
    `${args.name}-vpc`,
    { cidrBlock: args.cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: named('vpc') },
    opts,
  );
  const igw = new aws.ec2.InternetGateway(`${args.name}-igw`, { vpcId: vpc.id, tags: named('igw') }, opts);
  const publicRoutes = new aws.ec2.RouteTable(
    `${args.name}-public`,
    { vpcId: vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }], tags: named('public') },
    opts,
  );

  const publicSubnets = cidrs.public.map((cidrBlock, i) => {
    const subnet = new aws.ec2.Subnet(
      `${args.name}-public-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock,
        availabilityZone: zones.names.apply((names) => zoneAt(names, i)),
        mapPublicIpOnLaunch: false,
        tags: named(`public-${i}`),
      },
      opts,
    );
    new aws.ec2.RouteTableAssociation(
      `${args.name}-public-${i}`,
      { subnetId: subnet.id, routeTableId: publicRoutes.id },
      opts,
    );
    return subnet;
  });

  const natGateways = Array.from({ length: natGatewayCount(args.natGateways, args.azCount) }, (_, i) => {
    const eip = new aws.ec2.Eip(`${args.name}-nat-${i}`, { domain: 'vpc', tags: named(`nat-${i}`) }, opts);
    return new aws.ec2.NatGateway(
      `${args.name}-nat-${i}`,
      { allocationId: eip.id, subnetId: publicSubnets[i]!.id, tags: named(`nat-${i}`) },
      { ...opts, dependsOn: [igw] },
    );
  });

  const privateRouting: pulumi.Resource[] = [];
  const privateSubnets = cidrs.private.map((cidrBlock, i) => {
    const subnet = new aws.ec2.Subnet(
      `${args.name}-private-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock,
        availabilityZone: zones.names.apply((names) => zoneAt(names, i)),
        tags: named(`private-${i}`),
      },
      opts,
    );
    const nat = natGateways[natGatewayIndexFor(i, natGateways.length)]!;
    const routes = new aws.ec2.RouteTable(
      `${args.name}-private-${i}`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
        tags: named(`private-${i}`),
      },
      opts,
    );
    const association = new aws.ec2.RouteTableAssociation(
      `${args.name}-private-${i}`,
      { subnetId: subnet.id, routeTableId: routes.id },
      opts,
    );
    privateRouting.push(routes, association);
    return subnet;
  });

  return { vpc, publicSubnets, privateSubnets, natGateways, privateRouting };
}

function zoneAt(names: string[], i: number): string {
  const zone = names[i];
  if (zone === undefined) {
    throw new Error(`the region has only ${names.length} available AZs; lower \`azCount\``);
  }
  return zone;
}
