// The read-only role `ferry promote` assumes to read this environment as the promotion SOURCE.
// The promoting job runs in another GitHub environment (production), so its OIDC subject is
// `environment:<target>`, which this environment's deploy role (pushes to main) rightly refuses;
// this role accepts that subject and can only read what promote reads.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  type DeployScope,
  type GithubRepository,
  githubSubjects,
  githubTrustPolicy,
} from './deploy-access.ts';
import { type PolicyDocument, statement } from './iam.ts';

/** The GitHub environment promoting jobs run in, unless `promoteTargetEnvironment` says otherwise. */
export const DEFAULT_PROMOTE_TARGET_ENVIRONMENT = 'production';

/** This (the source) environment's ARNs: the deploy role's scope without what only deploys touch. */
export type PromoteSourceScope = Pick<
  DeployScope,
  | 'partition'
  | 'region'
  | 'accountId'
  | 'app'
  | 'environment'
  | 'repositoryArn'
  | 'clusterName'
  | 'serviceName'
  | 'taskDefinitionFamily'
  | 'otherServices'
>;

export interface PromoteSourceAccessArgs {
  /**
   * Prefix of the role name: the role is `<name>-promote-source`.
   */
  name: string;
  /**
   * The repository whose workflows may assume the role.
   */
  github: GithubRepository;
  /**
   * The GitHub environment of the jobs that promote from here (`environment:` of the job).
   */
  targetEnvironment: string;
  /**
   * The account's GitHub OIDC provider (the deploy access component's).
   */
  providerArn: pulumi.Input<string>;
  /**
   * What the role may read: this environment's ARNs.
   */
  scope: pulumi.Input<PromoteSourceScope>;
  /**
   * Longest session in seconds.
   * @default 3600
   */
  maxSessionDurationSeconds?: number;
  /**
   * Tags added to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
}

export interface NormalizedPromoteSourceAccessArgs extends Required<PromoteSourceAccessArgs> {}

export function normalizePromoteSourceAccessArgs(
  args: PromoteSourceAccessArgs,
): NormalizedPromoteSourceAccessArgs {
  // A GitHub environment name cannot hold these, and in a subject they would read as part of the claim.
  if (!/^[^*?:\s][^*?:]*$/.test(args.targetEnvironment) || args.targetEnvironment.length > 255) {
    throw new Error(
      `\`promoteTargetEnvironment\` must be a GitHub environment name (no *, ? or :), got ${JSON.stringify(args.targetEnvironment)}`,
    );
  }
  return {
    ...args,
    maxSessionDurationSeconds: args.maxSessionDurationSeconds ?? 3600,
    tags: args.tags ?? {},
  };
}

/** The `sub` claims of the promoting jobs: `environment:<target>` in the name and the id form. */
export function promoteSourceSubjects(github: GithubRepository, targetEnvironment: string): string[] {
  return githubSubjects(github, { environment: targetEnvironment });
}

/**
 * Exactly what `ferry promote --from <this environment>` reads here, nothing it could change:
 * the descriptor and the release ledger, the service and its task definition, and the image.
 */
export function promoteSourcePolicy(s: PromoteSourceScope): PolicyDocument {
  const ecs = `arn:${s.partition}:ecs:${s.region}:${s.accountId}`;
  // ferry promote checks every service of the source live, the worker's too.
  const services = [
    { serviceName: s.serviceName, taskDefinitionFamily: s.taskDefinitionFamily },
    ...(s.otherServices ?? []),
  ];
  return {
    Version: '2012-10-17',
    Statement: [
      // ferry copies through the ECR API (no registry login): the manifest and layer download URLs.
      statement(
        'EcrReadImage',
        ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:DescribeImages'],
        [s.repositoryArn],
      ),
      statement(
        'EcsReadService',
        ['ecs:DescribeServices'],
        services.map((o) => `${ecs}:service/${s.clusterName}/${o.serviceName}`),
      ),
      // DescribeTaskDefinition has no resource type: AWS only accepts "*".
      statement('EcsReadTaskDefinition', ['ecs:DescribeTaskDefinition'], ['*']),
      // ferry describes task definitions with include: ["TAGS"] (the release digest is a tag).
      statement(
        'EcsReadTaskDefinitionTags',
        ['ecs:ListTagsForResource'],
        services.map((o) => `${ecs}:task-definition/${o.taskDefinitionFamily}:*`),
      ),
      statement(
        'FerryStateRead',
        ['ssm:GetParameter', 'ssm:GetParameterHistory'],
        [`arn:${s.partition}:ssm:${s.region}:${s.accountId}:parameter/ferry/${s.app}/${s.environment}/*`],
      ),
    ],
  };
}

/** The promotion source role of this environment. */
export class PromoteSourceAccess extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: PromoteSourceAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:PromoteSourceAccess', name, {}, opts);
    const a = normalizePromoteSourceAccessArgs(args);
    const subjects = promoteSourceSubjects(a.github, a.targetEnvironment);
    const role = new aws.iam.Role(
      `${a.name}-promote-source`,
      {
        name: `${a.name}-promote-source`,
        description: `ferry promote reads ${a.name} from ${a.github.repository} (${subjects[0]})`,
        assumeRolePolicy: pulumi
          .output(a.providerArn)
          .apply((arn) => JSON.stringify(githubTrustPolicy(arn, subjects))),
        maxSessionDuration: a.maxSessionDurationSeconds,
        tags: a.tags,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${a.name}-promote-source`,
      {
        role: role.name,
        policy: pulumi.output(a.scope).apply((scope) => JSON.stringify(promoteSourcePolicy(scope))),
      },
      { parent: this },
    );
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
