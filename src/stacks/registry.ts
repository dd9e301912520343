import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface RegistryArgs {
  /**
   * The repository name, such as `shop-staging`.
   */
  name: string;
  /**
   * How many of the newest tagged (SHA) images are never expired: every release ferry
   * may roll back to must still be pullable.
   * @default 30
   */
  keepReleases?: number;
  /**
   * Days after which untagged images (failed or superseded pushes) expire.
   * @default 1
   */
  untaggedExpiryDays?: number;
  /**
   * `AES256` (S3-managed keys, free) or `KMS` (the account's aws/ecr key).
   * @default "AES256"
   */
  encryption?: 'AES256' | 'KMS';
  /**
   * Tags added to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
}

export interface NormalizedRegistryArgs {
  name: string;
  keepReleases: number;
  untaggedExpiryDays: number;
  encryption: 'AES256' | 'KMS';
  tags: Record<string, string>;
}

export function normalizeRegistryArgs(args: RegistryArgs): NormalizedRegistryArgs {
  const keepReleases = args.keepReleases ?? 30;
  if (!Number.isInteger(keepReleases) || keepReleases < 5) {
    throw new Error(
      `\`keepReleases\` must be an integer of at least 5 (rollback targets), got ${keepReleases}`,
    );
  }
  const untaggedExpiryDays = args.untaggedExpiryDays ?? 1;
  if (!Number.isInteger(untaggedExpiryDays) || untaggedExpiryDays < 1) {
    throw new Error(
      `\`untaggedExpiryDays\` must be a whole number of days, at least 1, got ${untaggedExpiryDays}`,
    );
  }
  const encryption = args.encryption ?? 'AES256';
  if (encryption !== 'AES256' && encryption !== 'KMS') {
    throw new Error(`\`encryption\` must be AES256 or KMS, got ${encryption}`);
  }
  return { name: args.name, keepReleases, untaggedExpiryDays, encryption, tags: args.tags ?? {} };
}

export interface LifecycleRule {
  rulePriority: number;
  description: string;
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any';
    tagPatternList?: string[];
    countType: 'imageCountMoreThan' | 'sinceImagePushed';
    countUnit?: 'days';
    countNumber: number;
  };
  action: { type: 'expire' };
}

/**
 * Untagged images go after a day; tagged images only beyond the newest `keepReleases`.
 * There is deliberately no age-based rule on tagged images: an old release that is
 * still among the newest N must stay pullable for `ferry rollback`.
 */
export function lifecyclePolicy(args: Pick<NormalizedRegistryArgs, 'keepReleases' | 'untaggedExpiryDays'>): {
  rules: LifecycleRule[];
} {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `expire untagged images after ${args.untaggedExpiryDays} day(s)`,
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: args.untaggedExpiryDays,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `keep the newest ${args.keepReleases} release images`,
        selection: {
          tagStatus: 'tagged',
          tagPatternList: ['*'],
          countType: 'imageCountMoreThan',
          countNumber: args.keepReleases,
        },
        action: { type: 'expire' },
      },
    ],
  };
}

/** One ECR repository per environment: immutable tags, scanned on push, encrypted. */
export class Registry extends pulumi.ComponentResource {
  readonly repositoryName: pulumi.Output<string>;
  readonly repositoryUrl: pulumi.Output<string>;
  readonly repositoryArn: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:Registry', name, {}, opts);
    const repository = createRegistry(normalizeRegistryArgs(args), this);
    this.repositoryName = repository.name;
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl });
  }
}

function createRegistry(args: NormalizedRegistryArgs, parent: pulumi.Resource): aws.ecr.Repository {
  const repository = new aws.ecr.Repository(
    args.name,
    {
      name: args.name,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: args.encryption }],
      tags: args.tags,
    },
    { parent },
  );
  new aws.ecr.LifecyclePolicy(
    args.name,
    { repository: repository.name, policy: JSON.stringify(lifecyclePolicy(args)) },
    { parent },
  );
  return repository;
}
