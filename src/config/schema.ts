import { z } from 'zod';
import { REGION_PATTERN, ROLE_ARN_PATTERN } from './aws-identifiers.ts';
import { tryParseDuration } from './duration.ts';
import { isValidName, NAME_RULE } from './name-rule.ts';

/** A span of time in milliseconds: what every duration field of ferry.config.json holds once parsed. */
export type Milliseconds = number;

const DURATION_HINT = 'use a duration such as 250ms, 5s or 10m';

/**
 * Users write durations as strings ("250ms", "5s", "10m", "1h"); the schema turns them into
 * milliseconds once, so no consumer parses them again. Defaults use `prefault` with the string
 * users see, which goes through this same parse.
 */
const duration = z.string({ error: DURATION_HINT }).transform((text, ctx): Milliseconds => {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: DURATION_HINT });
    return z.NEVER;
  }
  return ms;
});

const name = z.string().refine(isValidName, { message: NAME_RULE });

const roleArn = z.string().regex(ROLE_ARN_PATTERN, {
  message: 'use an IAM role ARN such as arn:aws:iam::111111111111:role/shop-staging-deploy',
});

/** Globs are read from the config file's directory down: git answers only for that subtree. */
const migrationGlob = z
  .string()
  .min(1)
  .refine((g) => !g.startsWith('/') && !g.split('/').includes('..'), {
    message: 'use a glob relative to the config file, inside its directory, such as "db/migrations/*.sql"',
  });

export const environmentConfigSchema = z.strictObject({
  /** Role ferry assumes for this environment (from OIDC or the default credentials). */
  roleArn: roleArn.optional(),
  /** The environment whose running image `ferry promote` copies here. */
  promoteFrom: name.optional(),
  /**
   * Role `ferry promote` assumes to read the promoteFrom environment (its ledger, what
   * runs there, its image); default: that environment's own roleArn. The stacks create a
   * read-only one trusted by this environment's GitHub jobs.
   */
  promoteFromRoleArn: roleArn.optional(),
});

const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
  message: 'use the name of an environment variable, such as FERRY_SLACK_WEBHOOK_URL (never the URL itself)',
});

/** Which final outcomes a notification target posts: "failure" covers every unsuccessful run but a rollback. */
export const NOTIFY_EVENTS = ['success', 'failure', 'rolled_back'] as const;

/**
 * Where ferry tells people about releases. URLs are secrets (a Slack webhook URL is a
 * credential), so the config names the environment variables that hold them.
 */
export const notifyConfigSchema = z.strictObject({
  /** Outcomes to post. @default ["failure", "rolled_back"] */
  on: z.array(z.enum(NOTIFY_EVENTS)).default(['failure', 'rolled_back']),
  /** Slack incoming webhook; the URL is read from `webhookUrlEnv`. @default { "webhookUrlEnv": "FERRY_SLACK_WEBHOOK_URL" } */
  slack: z.strictObject({ webhookUrlEnv: envVarName.default('FERRY_SLACK_WEBHOOK_URL') }).optional(),
  /** Any HTTP endpoint: receives the final result event as JSON; the URL is read from `urlEnv`. */
  webhook: z.strictObject({ urlEnv: envVarName }).optional(),
  /** Give up on a target after this long; a notification never holds a release up. In ms once parsed. @default "10s" */
  timeout: duration.prefault('10s'),
});

export type NotifyConfig = z.infer<typeof notifyConfigSchema>;

/** ferry.config.json, the contract of docs/architecture.md; optional fields get the defaults below. */
export const ferryConfigSchema = z.strictObject({
  app: name,
  region: z.string().regex(REGION_PATTERN, { message: 'use an AWS region such as eu-west-1' }),
  build: z
    .strictObject({
      context: z.string().min(1).default('.'),
      dockerfile: z.string().min(1).default('Dockerfile'),
      platform: z
        .string()
        .regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/)
        .default('linux/amd64'),
      /**
       * Build arguments (`--build-arg NAME=VALUE`) for the Dockerfile's ARGs, such as a base image.
       * Kept in the config (and so in the commit) so that one commit always builds the same image.
       */
      args: z
        .record(z.string(), z.string())
        .superRefine((args, ctx) => {
          for (const key of Object.keys(args)) {
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
              ctx.addIssue({
                code: 'custom',
                path: [key],
                message: 'name build args like Dockerfile ARGs: letters, digits and _, such as BASE',
              });
            }
          }
        })
        .optional(),
    })
    .prefault({}),
  migrate: z
    .strictObject({
      command: z
        .array(z.string().min(1))
        .min(1, { message: 'give the command as an array, such as ["npm", "run", "migrate"]' }),
      /** How long the migration task may run before ferry stops it. In ms once parsed. @default "15m" */
      timeout: duration.prefault('15m'),
      /**
       * SQL migrations ferry checks for dangerous statements before deploying, as globs
       * relative to the config file, e.g. ["db/migrations/**\/*.sql"]; default: none (no check).
       */
      paths: z
        .array(migrationGlob)
        .min(1, { message: 'list at least one glob, such as "db/migrations/*.sql"' })
        .optional(),
      /** What a dangerous migration statement does: "warn" (default) reports it, "fail" stops the release (exit 2). */
      dangerous: z.enum(['warn', 'fail']).optional(),
    })
    .optional(),
  health: z
    .strictObject({
      path: z
        .string()
        .startsWith('/', { message: 'start the path with /, such as /health' })
        .default('/health'),
      expectStatus: z.number().int().min(100).max(599).default(200),
      versionField: z.string().min(1).default('version'),
      successes: z.number().int().min(1).max(100).default(3),
      /** Time between health probes. In ms once parsed. @default "10s" */
      interval: duration.prefault('10s'),
      /** How long verification of a release may take. In ms once parsed. @default "5m" */
      timeout: duration.prefault('5m'),
    })
    .prefault({}),
  snapshots: z
    .strictObject({
      /** How many ferry-made snapshots to keep per environment; older ferry snapshots are deleted, others never. */
      keep: z.number().int().min(1).max(100).default(5),
    })
    .prefault({}),
  /** Slack and webhook notifications; without it, $FERRY_SLACK_WEBHOOK_URL alone gets failures and rollbacks. */
  notify: notifyConfigSchema.optional(),
  environments: z.record(name, environmentConfigSchema).refine((envs) => Object.keys(envs).length > 0, {
    message: 'define at least one environment, such as "staging"',
  }),
});

/** A parsed config: defaults filled in, durations in milliseconds. */
export type FerryConfig = z.infer<typeof ferryConfigSchema>;
/** ferry.config.json as users write it: durations are strings such as "10m", optional fields may be absent. */
export type FerryConfigInput = z.input<typeof ferryConfigSchema>;
export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;

const arn = z.string().startsWith('arn:', { message: 'use an ARN' });

/** The environment descriptor of docs/architecture.md, written by the stacks at /ferry/<app>/<env>/descriptor. */
export const descriptorSchema = z.strictObject({
  version: z.literal(1),
  app: name,
  environment: name,
  region: z.string().min(1),
  accountId: z.string().regex(/^\d{12}$/, { message: 'use the 12-digit account id' }),
  cluster: z.string().min(1),
  services: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        container: z.string().min(1),
        /** Where the health URL is; absent for a service without a load balancer (a worker). */
        baseUrl: z.url({ protocol: /^https?$/, message: 'use an http(s) URL' }).optional(),
        targetGroupArn: arn.optional(),
        /** The service's own task family; default: the descriptor's `taskDefinitionFamily`. */
        taskDefinitionFamily: z.string().min(1).optional(),
      }),
    )
    .min(1, { message: 'list at least one service' }),
  repository: z.strictObject({ name: z.string().min(1), uri: z.string().min(1) }),
  database: z
    .strictObject({ identifier: z.string().min(1), kind: z.enum(['instance', 'cluster']) })
    .optional(),
  taskDefinitionFamily: z.string().min(1),
  network: z.strictObject({
    subnets: z.array(z.string().min(1)).min(1),
    securityGroups: z.array(z.string().min(1)),
    assignPublicIp: z.boolean(),
  }),
});

export type Descriptor = z.infer<typeof descriptorSchema>;
