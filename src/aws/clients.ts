/**
 * The one place AWS SDK clients are built: region, retries, user agent,
 * credentials and endpoint. Also the only module of src/aws that reads
 * process.env (as the default for `env`).
 */
import { readFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Called once per AWS operation (not per retry), e.g. ('ECS', 'UpdateService'). */
export type OnCall = (service: string, operation: string) => void;

export interface ClientSettings {
  region: string;
  /** The process environment; the endpoint is read from it. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Attempts per call, first one included. The sandbox throttles 30% of calls: 3 is not enough. */
  maxAttempts?: number;
  credentials?: AwsCredentialIdentityProvider;
  onCall?: OnCall;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Every AWS request has a bound: a connection that is accepted and never
 * answered ends in a TimeoutError (retried like any network error) instead of a
 * hang. `requestTimeout` is the socket's idle time, so a long upload that keeps
 * sending is not cut. FERRY_AWS_REQUEST_TIMEOUT overrides it (tests, slow links).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const CONNECTION_TIMEOUT_MS = 5_000;

export function requestTimeoutMs(env: NodeJS.ProcessEnv): number {
  const text = env.FERRY_AWS_REQUEST_TIMEOUT?.trim();
  const match = text ? /^(\d+)(ms|s)$/.exec(text) : null;
  if (!match) return DEFAULT_REQUEST_TIMEOUT_MS;
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

/**
 * SDK service ids, which also name the service-specific endpoint variables
 * (`AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2`, ...).
 */
export const SERVICE_IDS = {
  ecs: 'ECS',
  ecr: 'ECR',
  ssm: 'SSM',
  rds: 'RDS',
  sts: 'STS',
  elbv2: 'Elastic Load Balancing v2',
  logs: 'CloudWatch Logs',
  cloudwatch: 'CloudWatch',
  iam: 'IAM',
} as const;
export type ServiceKey = keyof typeof SERVICE_IDS;

let cachedVersion: string | undefined;
export function ferryVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

/**
 * The endpoint override, with the SDK's own precedence: the service-specific
 * variable, then AWS_ENDPOINT_URL. Every client installed here honours these
 * natively too, but only from process.env: resolving it here makes the `env`
 * handed to ferry the single source of truth.
 */
export function endpointFor(service: ServiceKey, env: NodeJS.ProcessEnv): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  const suffix = SERVICE_IDS[service].split(' ').join('_').toUpperCase();
  return nonEmpty(env[`AWS_ENDPOINT_URL_${suffix}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

/** Static keys from the environment (what the SDK's chain would find first), if any. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): AwsCredentialIdentity | undefined {
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** The configuration every client shares. */
export function clientConfig(service: ServiceKey, settings: ClientSettings) {
  const env = settings.env ?? process.env;
  const endpoint = endpointFor(service, env);
  return {
    region: settings.region,
    retryMode: 'standard',
    maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    customUserAgent: `ferry/${ferryVersion()}`,
    requestHandler: {
      requestTimeout: requestTimeoutMs(env),
      connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, requestTimeoutMs(env)),
      // Without it the SDK only logs a warning when the timeout passes, and waits on.
      throwOnRequestTimeout: true,
    },
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

interface Instrumentable {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Adds the `onCall` hook (for --verbose) as an initialize-step middleware: once per operation. */
export function instrument<C>(client: C, service: string, onCall: OnCall | undefined): C {
  if (!onCall) return client;
  (client as unknown as Instrumentable).middlewareStack.add(
    (next, context) => async (args) => {
      onCall(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'ferryOnCall' },
  );
  return client;
}

export interface AwsClients {
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly ssm: SSMClient;
  readonly rds: RDSClient;
  readonly sts: STSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly logs: CloudWatchLogsClient;
  readonly cloudwatch: CloudWatchClient;
  readonly iam: IAMClient;
}

const constructors = {
  ecs: (c: object) => new ECSClient(c),
  ecr: (c: object) => new ECRClient(c),
  ssm: (c: object) => new SSMClient(c),
  rds: (c: object) => new RDSClient(c),
  sts: (c: object) => new STSClient(c),
  elbv2: (c: object) => new ElasticLoadBalancingV2Client(c),
  logs: (c: object) => new CloudWatchLogsClient(c),
  cloudwatch: (c: object) => new CloudWatchClient(c),
  iam: (c: object) => new IAMClient(c),
} satisfies Record<ServiceKey, (c: object) => unknown>;

/** Builds one client, fully configured. */
export function buildClient<K extends ServiceKey>(service: K, settings: ClientSettings): AwsClients[K] {
  const client = constructors[service](clientConfig(service, settings)) as AwsClients[K];
  return instrument(client, SERVICE_IDS[service], settings.onCall);
}

/** Clients built on first use, so that assembling the ports costs nothing. */
export function createClients(settings: ClientSettings): AwsClients {
  const built: Partial<Record<ServiceKey, unknown>> = {};
  const lazy = <K extends ServiceKey>(key: K): AwsClients[K] => {
    built[key] ??= buildClient(key, settings);
    return built[key] as AwsClients[K];
  };
  return {
    get ecs() {
      return lazy('ecs');
    },
    get ecr() {
      return lazy('ecr');
    },
    get ssm() {
      return lazy('ssm');
    },
    get rds() {
      return lazy('rds');
    },
    get sts() {
      return lazy('sts');
    },
    get elbv2() {
      return lazy('elbv2');
    },
    get logs() {
      return lazy('logs');
    },
    get cloudwatch() {
      return lazy('cloudwatch');
    },
    get iam() {
      return lazy('iam');
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value?.trim() ? value.trim() : undefined;
}
