// The files `ferry init` writes, as plain text: no file system here.
import { type InitValues, partitionOf } from './values.ts';
import { deployWorkflow, previewWorkflow } from './workflows.ts';

export interface ScaffoldFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  content: string;
}

/** The Pulumi project name; stack config keys are `<project>:<key>`. */
export const infraProject = (app: string) => `${app}-infra`;

const roleArn = (v: InitValues, account: string, role: string) =>
  `arn:${partitionOf(v.region)}:iam::${account}:role/${v.app}-${role}`;

export function ferryConfig(v: InitValues): Record<string, unknown> {
  return {
    app: v.app,
    region: v.region,
    build: { context: '.', dockerfile: 'Dockerfile', platform: 'linux/amd64' },
    health: { path: '/health', expectStatus: 200, versionField: 'version' },
    environments: {
      staging: { roleArn: roleArn(v, v.stagingAccount, 'staging-deploy') },
      production: {
        roleArn: roleArn(v, v.productionAccount, 'production-deploy'),
        promoteFrom: 'staging',
        promoteFromRoleArn: roleArn(v, v.stagingAccount, 'staging-promote-source'),
      },
    },
  };
}

function projectFile(v: InitValues): string {
  return `name: ${infraProject(v.app)}
description: ${v.app}'s environments for ferry (ECR, ECS Fargate behind an ALB, RDS PostgreSQL, GitHub OIDC deploy roles)
runtime:
  name: nodejs
  options:
    # Node 22.18+ runs index.ts itself (type stripping); ferry and the Pulumi SDK come from
    # the repository root's node_modules (npm install there).
    typescript: false
    packagemanager: npm
main: index.ts
`;
}

const PROGRAM = `// One ferry environment per stack (staging, production); its settings are in Pulumi.<stack>.yaml.
// The keys and their defaults: FerryEnvironmentArgs in ferry/stacks (and ferry's docs/infrastructure.md).
import { environmentArgsFromConfig, FerryEnvironment } from 'ferry/stacks';

const environment = new FerryEnvironment(environmentArgsFromConfig());

export const {
  descriptor,
  descriptorParameter,
  deployRoleArn,
  promoteSourceRoleArn,
  baseUrl,
  repositoryUrl,
  natGateways,
  ferryEnvironment,
} = environment.outputs;
`;

function githubIds(v: InitValues, key: (k: string) => string): string[] {
  const line = (name: string, value: string | undefined, lookup: string) =>
    value
      ? `  ${key(name)}: "${value}"`
      : `  # ${key(name)}: "<id>"   # required: pulumi config set ${name} $(gh api repos/${v.githubRepo} --jq ${lookup})`;
  return [
    line('githubOwnerId', v.githubOwnerId, '.owner.id'),
    line('githubRepositoryId', v.githubRepositoryId, '.id'),
  ];
}

/** One OIDC provider per account: production looks up the one staging created when they share it. */
const oidcProvider = (v: InitValues, env: 'staging' | 'production') =>
  env === 'production' && v.productionAccount === v.stagingAccount ? 'existing' : 'create';
const oidcChoice = (v: InitValues) =>
  `staging ${oidcProvider(v, 'staging')}, production ${oidcProvider(v, 'production')}`;

function stackFile(v: InitValues, env: 'staging' | 'production'): string {
  const key = (k: string) => `${infraProject(v.app)}:${k}`;
  const account = env === 'staging' ? v.stagingAccount : v.productionAccount;
  const provider = oidcProvider(v, env);
  const header =
    env === 'staging'
      ? '# Staging: one NAT gateway, a single-AZ database; deploys from pushes to main.'
      : '# Production: multi-AZ everything; deploys only from jobs in the GitHub environment "production".';
  const specific =
    env === 'staging'
      ? [
          '  # Jobs in the GitHub environment "production" may read staging (read-only) to promote from it.',
          `  ${key('promoteTargetEnvironment')}: production`,
        ]
      : [`  ${key('githubEnvironment')}: production`];
  return [
    header,
    '# Keys not listed take their defaults (FerryEnvironmentArgs in ferry/stacks).',
    "# githubOidcProvider: `create` makes the account's GitHub OIDC provider; set `existing` if the",
    '# account already has one (an account has at most one per URL).',
    'config:',
    `  aws:region: ${v.region}`,
    '  # pulumi up refuses to run with credentials of any other account.',
    `  aws:allowedAccountIds: ["${account}"]`,
    `  ${key('app')}: ${v.app}`,
    `  ${key('githubRepository')}: ${v.githubRepo}`,
    ...githubIds(v, key),
    `  ${key('githubOidcProvider')}: ${provider}`,
    ...specific,
    '',
  ].join('\n');
}

const infraPackage = (v: InitValues) =>
  `${JSON.stringify(
    {
      name: infraProject(v.app),
      private: true,
      description: "Pulumi program of ferry's environments; its dependencies come from the repository root",
      type: 'module',
    },
    null,
    2,
  )}\n`;

/** What `ferry init` writes, whatever the answers: checked for existing files before anything is asked. */
export const SCAFFOLD_PATHS = [
  'ferry.config.json',
  'infra/Pulumi.yaml',
  'infra/Pulumi.staging.yaml',
  'infra/Pulumi.production.yaml',
  'infra/index.ts',
  'infra/package.json',
  '.github/workflows/deploy.yml',
  '.github/workflows/preview.yml',
] as const;

export function scaffoldFiles(v: InitValues): ScaffoldFile[] {
  const content: Record<(typeof SCAFFOLD_PATHS)[number], string> = {
    'ferry.config.json': `${JSON.stringify(ferryConfig(v), null, 2)}\n`,
    'infra/Pulumi.yaml': projectFile(v),
    'infra/Pulumi.staging.yaml': stackFile(v, 'staging'),
    'infra/Pulumi.production.yaml': stackFile(v, 'production'),
    'infra/index.ts': PROGRAM,
    'infra/package.json': infraPackage(v),
    '.github/workflows/deploy.yml': deployWorkflow(),
    '.github/workflows/preview.yml': previewWorkflow(),
  };
  return SCAFFOLD_PATHS.map((path) => ({ path, content: content[path] }));
}

/** What is left after `ferry init`, in order. */
export function checklist(v: InitValues, written: readonly string[]): string[] {
  const steps = [
    `Review and commit the ${written.length} files above; ferry stays a dev dependency at the repository root (infra/ imports ferry/stacks from there).`,
    ...(v.githubOwnerId && v.githubRepositoryId
      ? []
      : [
          `Set the GitHub ids in infra/Pulumi.staging.yaml and infra/Pulumi.production.yaml: githubOwnerId (gh api repos/${v.githubRepo} --jq .owner.id) and githubRepositoryId (--jq .id).`,
        ]),
    `Set the OIDC provider option (githubOidcProvider in infra/Pulumi.<env>.yaml; now ${oidcChoice(v)}): \`create\` makes the account's GitHub OIDC provider, \`existing\` uses the one it already has.`,
    'Run `pulumi up` once per stack with admin credentials of its account: cd infra && pulumi stack init staging && pulumi up (then production).',
    `Create the GitHub environment "production" with required reviewers: https://github.com/${v.githubRepo}/settings/environments`,
    'Run `npx ferry doctor staging` and `npx ferry doctor production`: every check must pass.',
    'Push to main: the deploy workflow builds, deploys to staging, and waits for approval to promote to production.',
  ];
  return steps.map((s, i) => `${i + 1}. ${s}`);
}
