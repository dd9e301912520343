/** The AWS side of ferry: every port the pipeline needs, over SDK v3 clients sharing one credentials provider. */
import type { MutationRecorder } from '../mutations.ts';
import type { Database, Ports } from '../pipeline/ports.ts';
import { type Runtime, readRuntime } from '../runtime.ts';
import { createClients, type OnCall } from './clients.ts';
import { createAlarmReader } from './cloudwatch.ts';
import { createCredentials } from './credentials.ts';
import { createImageRegistry } from './ecr.ts';
import { createContainerService } from './ecs.ts';
import { createLoadBalancer } from './elbv2.ts';
import { createPermissionSimulator, type PermissionSimulator } from './iam.ts';
import { createLogReader } from './logs.ts';
import { bothOnCall, recordMutations } from './mutating.ts';
import { createPreflightReader, type PreflightReader } from './preflight.ts';
import { createClusterDatabase, createInstanceDatabase } from './rds.ts';
import { createParameterStore } from './ssm.ts';
import { createIdentity } from './sts.ts';

export { AccessError, accessError, describeAwsError } from './errors.ts';

export interface AwsPortsOptions {
  region: string;
  roleArn?: string;
  sessionName?: string;
  /** What the SDK reads: credentials, endpoints, the request timeout. */
  env: NodeJS.ProcessEnv;
  /** Where ferry runs (GitHub Actions, the OIDC token request, the user); read from `env` when not given. */
  runtime?: Runtime;
  databaseKind?: 'instance' | 'cluster';
  maxAttempts?: number;
  onCall?: OnCall;
  /** Told of every operation that may change something, before it is sent (the catch-all's "nothing was changed"). */
  mutations?: MutationRecorder;
  /** The ferry environment, for the default role session name `ferry-<environment>-<user or run id>`. */
  environment?: string;
  /**
   * Masks a secret in CI logs; only ever called in GitHub Actions.
   * Defaults to @actions/core `setSecret`, which writes `::add-mask::` to
   * stdout: a CLI in `--json` mode may prefer stderr, which the runner also reads.
   */
  mask?: (secret: string) => void;
}

/**
 * Builds the ports. Cheap: clients are created on first use. Throws a
 * FerryError (exit 2) at once if a role is to be assumed in GitHub Actions
 * without an id token.
 */
export function createAwsPorts(options: AwsPortsOptions): Omit<Ports, 'http'> {
  return createAws(options).ports;
}

/** What `ferry doctor` reads beyond the pipeline's ports, over the same session. */
export interface AwsPreflight {
  reader: PreflightReader;
  permissions: PermissionSimulator;
  /** The Database port for the descriptor's kind, known only once the descriptor is read. */
  database(kind: 'instance' | 'cluster'): Database;
}

/** The ports and the doctor's extra readers, sharing one credentials provider and one set of clients. */
export function createAws(options: AwsPortsOptions): { ports: Omit<Ports, 'http'>; preflight: AwsPreflight } {
  const onCall = bothOnCall(options.onCall, options.mutations && recordMutations(options.mutations));
  const credentials = createCredentials({
    region: options.region,
    env: options.env,
    runtime: options.runtime ?? readRuntime(options.env),
    ...(options.roleArn ? { roleArn: options.roleArn } : {}),
    ...(options.sessionName ? { sessionName: options.sessionName } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(onCall ? { onCall } : {}),
    ...(options.mask ? { mask: options.mask } : {}),
  });
  const clients = createClients({
    region: options.region,
    env: options.env,
    credentials,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(onCall ? { onCall } : {}),
  });
  const rds = () => clients.rds;
  return {
    ports: {
      parameters: createParameterStore(() => clients.ssm),
      registry: createImageRegistry(() => clients.ecr),
      ecs: createContainerService(() => clients.ecs),
      database: options.databaseKind === 'cluster' ? createClusterDatabase(rds) : createInstanceDatabase(rds),
      loadBalancer: createLoadBalancer(() => clients.elbv2),
      logs: createLogReader(() => clients.logs),
      identity: createIdentity(() => clients.sts),
      alarms: createAlarmReader(() => clients.cloudwatch),
    },
    preflight: {
      reader: createPreflightReader(() => clients.ecr, rds),
      permissions: createPermissionSimulator(() => clients.iam),
      database: (kind) => (kind === 'cluster' ? createClusterDatabase(rds) : createInstanceDatabase(rds)),
    },
  };
}
