/** The AWS side of ferry: every port the pipeline needs, over SDK v3 clients sharing one credentials provider. */
import type { Database, Ports } from '../pipeline/ports.ts';
import { createClients, type OnCall } from './clients.ts';
import { createAlarmReader } from './cloudwatch.ts';
import { createCredentials } from './credentials.ts';
import { createImageRegistry } from './ecr.ts';
import { createContainerService } from './ecs.ts';
import { createLoadBalancer } from './elbv2.ts';
import { createPermissionSimulator, type PermissionSimulator } from './iam.ts';
import { createLogReader } from './logs.ts';
import { createPreflightReader, type PreflightReader } from './preflight.ts';
import { createClusterDatabase, createInstanceDatabase } from './rds.ts';
import { createParameterStore } from './ssm.ts';
import { createIdentity } from './sts.ts';

export { AccessError, accessError, describeAwsError } from './errors.ts';

export interface AwsPortsOptions {
  region: string;
  roleArn?: string;
  sessionName?: string;
  env: NodeJS.ProcessEnv;
  databaseKind?: 'instance' | 'cluster';
  maxAttempts?: number;
  onCall?: OnCall;
  /** The ferry environment, for the default role session name `ferry-<environment>-<user or run id>`. */
  environment?: string;
  /**
   * Masks a secret in CI logs; only ever called when GITHUB_ACTIONS is true.
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
  const credentials = createCredentials({
    region: options.region,
    env: options.env,
    ...(options.roleArn ? { roleArn: options.roleArn } : {}),
    ...(options.sessionName ? { sessionName: options.sessionName } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
    ...(options.mask ? { mask: options.mask } : {}),
  });
  const clients = createClients({
    region: options.region,
    env: options.env,
    credentials,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
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
