import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Descriptor as FerryDescriptor } from '../config/schema.ts';

/** The environment descriptor of docs/architecture.md: ferry's own schema type, so the two cannot drift. */
export type EnvironmentDescriptor = FerryDescriptor;

export interface DescriptorInputs {
  app: string;
  environment: string;
  region: string;
  accountId: string;
  clusterName: string;
  serviceName: string;
  containerName: string;
  baseUrl: string;
  targetGroupArn: string;
  repositoryName: string;
  repositoryUrl: string;
  databaseIdentifier: string;
  taskDefinitionFamily: string;
  subnetIds: string[];
  securityGroupIds: string[];
  /** The worker service (no load balancer), when the stack runs one. */
  worker?: { serviceName: string; containerName: string; taskDefinitionFamily: string };
}

export function descriptorParameterName(app: string, environment: string): string {
  return `/ferry/${app}/${environment}/descriptor`;
}

export function buildDescriptor(d: DescriptorInputs): EnvironmentDescriptor {
  return {
    version: 1,
    app: d.app,
    environment: d.environment,
    region: d.region,
    accountId: d.accountId,
    cluster: d.clusterName,
    services: [
      {
        name: d.serviceName,
        container: d.containerName,
        baseUrl: d.baseUrl,
        targetGroupArn: d.targetGroupArn,
      },
      // No baseUrl: ferry judges the worker by its ECS deployment.
      ...(d.worker
        ? [
            {
              name: d.worker.serviceName,
              container: d.worker.containerName,
              taskDefinitionFamily: d.worker.taskDefinitionFamily,
            },
          ]
        : []),
    ],
    repository: { name: d.repositoryName, uri: d.repositoryUrl },
    database: { identifier: d.databaseIdentifier, kind: 'instance' },
    taskDefinitionFamily: d.taskDefinitionFamily,
    // Migrations run as one-off tasks in the service's private subnets and security group.
    network: { subnets: d.subnetIds, securityGroups: d.securityGroupIds, assignPublicIp: false },
  };
}

export interface DescriptorArgs {
  /**
   * The values the descriptor is built from, as the other components output them.
   */
  inputs: pulumi.Input<DescriptorInputs>;
  /**
   * Tags added to the parameter.
   * @default {}
   */
  tags?: Record<string, string>;
}

/** Publishes the descriptor at `/ferry/<app>/<env>/descriptor`, where ferry looks for it. */
export class Descriptor extends pulumi.ComponentResource {
  readonly descriptor: pulumi.Output<EnvironmentDescriptor>;
  readonly parameterName: pulumi.Output<string>;

  constructor(name: string, args: DescriptorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:Descriptor', name, {}, opts);
    const inputs = pulumi.output(args.inputs);
    this.descriptor = inputs.apply((d) => buildDescriptor(d as DescriptorInputs));
    const parameter = new aws.ssm.Parameter(
      name,
      {
        name: inputs.apply((d) => descriptorParameterName(d.app, d.environment)),
        type: 'String',
        tier: 'Standard',
        // Not a secret: `insecureValue` keeps it readable in diffs and previews.
        insecureValue: this.descriptor.apply((d) => JSON.stringify(d)),
        description: 'ferry environment descriptor (written by the ferry stacks)',
        tags: args.tags ?? {},
      },
      { parent: this },
    );
    this.parameterName = parameter.name;
    this.registerOutputs({ descriptor: this.descriptor });
  }
}
