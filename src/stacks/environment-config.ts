// Reads FerryEnvironmentArgs from the stack config (Pulumi.<stack>.yaml).
import * as pulumi from '@pulumi/pulumi';
import type { FerryEnvironmentArgs } from './environment.ts';

// `list`: a comma-separated string, since stack config files hold scalars only; `object`: JSON in a string.
type Kind = 'string' | 'number' | 'boolean' | 'list' | 'object';
const OPTIONAL_KEYS: Record<Exclude<keyof FerryEnvironmentArgs, RequiredKey>, Kind> = {
  production: 'boolean',
  githubOidcProvider: 'string',
  githubBranch: 'string',
  githubEnvironment: 'string',
  promoteSourceRole: 'boolean',
  promoteTargetEnvironment: 'string',
  promoteSourceRepositoryArn: 'string',
  vpcCidr: 'string',
  azCount: 'number',
  natGateways: 'string',
  containerPort: 'number',
  cpu: 'number',
  memory: 'number',
  desiredCount: 'number',
  initialImage: 'string',
  healthCheckPath: 'string',
  healthCheckGracePeriodSeconds: 'number',
  deregistrationDelaySeconds: 'number',
  logRetentionDays: 'number',
  containerInsights: 'boolean',
  alarm5xxThreshold: 'number',
  protectService: 'boolean',
  worker: 'boolean',
  workerCommand: 'object',
  workerDesiredCount: 'number',
  certificateArn: 'string',
  domainName: 'string',
  keepReleases: 'number',
  untaggedImageExpiryDays: 'number',
  dbEngineVersion: 'string',
  dbInstanceClass: 'string',
  dbAllocatedStorage: 'number',
  dbMaxAllocatedStorage: 'number',
  dbName: 'string',
  dbUsername: 'string',
  dbMultiAz: 'boolean',
  dbDeletionProtection: 'boolean',
  dbBackupRetentionDays: 'number',
  dbSkipFinalSnapshot: 'boolean',
  dbPerformanceInsights: 'boolean',
  operatorPrincipals: 'list',
};
type RequiredKey = 'app' | 'environment' | 'githubRepository' | 'githubOwnerId' | 'githubRepositoryId';

/**
 * Reads the environment's settings from the stack config (keys as in `FerryEnvironmentArgs`,
 * in the project's namespace). `environment` defaults to the stack name.
 */
export function environmentArgsFromConfig(
  config: pulumi.Config = new pulumi.Config(),
  stack: string = pulumi.getStack(),
): FerryEnvironmentArgs {
  const args: Record<string, unknown> = {
    app: config.require('app'),
    environment: config.get('environment') ?? stack,
    githubRepository: config.require('githubRepository'),
    githubOwnerId: config.require('githubOwnerId'),
    githubRepositoryId: config.require('githubRepositoryId'),
  };
  for (const [key, kind] of Object.entries(OPTIONAL_KEYS)) {
    const value =
      kind === 'number'
        ? config.getNumber(key)
        : kind === 'boolean'
          ? config.getBoolean(key)
          : kind === 'list'
            ? config
                .get(key)
                ?.split(',')
                .map((p) => p.trim())
                .filter(Boolean)
            : kind === 'object'
              ? config.getObject(key)
              : config.get(key);
    if (value !== undefined) args[key] = value;
  }
  return args as unknown as FerryEnvironmentArgs;
}
