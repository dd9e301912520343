/**
 * An ECR client for one account and region, with its own credentials (an
 * assumed role when given), for commands that need ECR beyond the pipeline's
 * ImageRegistry port: `ferry build` (registry login) and `ferry promote`
 * (one side of copyImage each).
 */
import { type ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ExitCode, FerryError } from '../errors.ts';
import type { MutationRecorder } from '../mutations.ts';
import { type Runtime, readRuntime } from '../runtime.ts';
import { buildClient, type OnCall } from './clients.ts';
import { createCredentials } from './credentials.ts';
import { bothOnCall, recordMutations } from './mutating.ts';

export interface EcrAccessOptions {
  region: string;
  env: NodeJS.ProcessEnv;
  /** Where ferry runs; read from `env` when not given. */
  runtime?: Runtime;
  roleArn?: string;
  /** The ferry environment, for the default role session name. */
  environment?: string;
  sessionName?: string;
  maxAttempts?: number;
  onCall?: OnCall;
  /** Told of every operation that may change something (PutImage, layer uploads), before it is sent. */
  mutations?: MutationRecorder;
  /** Masks STS secrets in CI logs (see createCredentials). */
  mask?: (secret: string) => void;
}

export interface RegistryLogin {
  username: string;
  password: string;
  /** `https://<account>.dkr.ecr.<region>.amazonaws.com` */
  proxyEndpoint?: string;
  expiresAt?: Date;
}

export interface EcrAccess {
  /** Built on first use. */
  readonly client: ECRClient;
  /** A registry login for the account's registry (valid 12 hours). Never print it. */
  login(): Promise<RegistryLogin>;
}

export function createEcrAccess(options: EcrAccessOptions): EcrAccess {
  let client: ECRClient | undefined;
  const onCall = bothOnCall(options.onCall, options.mutations && recordMutations(options.mutations));
  const get = (): ECRClient => {
    client ??= buildClient('ecr', {
      region: options.region,
      env: options.env,
      credentials: createCredentials({
        region: options.region,
        env: options.env,
        runtime: options.runtime ?? readRuntime(options.env),
        ...(options.roleArn ? { roleArn: options.roleArn } : {}),
        ...(options.environment ? { environment: options.environment } : {}),
        ...(options.sessionName ? { sessionName: options.sessionName } : {}),
        ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
        ...(onCall ? { onCall } : {}),
        ...(options.mask ? { mask: options.mask } : {}),
      }),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      ...(onCall ? { onCall } : {}),
    });
    return client;
  };
  return {
    get client() {
      return get();
    },
    login: () => registryLogin(get()),
  };
}

/** GetAuthorizationToken, decoded: the token is base64 of `AWS:<password>`. */
export async function registryLogin(client: ECRClient): Promise<RegistryLogin> {
  const out = await client.send(new GetAuthorizationTokenCommand({}));
  const data = out.authorizationData?.[0];
  const decoded = data?.authorizationToken
    ? Buffer.from(data.authorizationToken, 'base64').toString('utf8')
    : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new FerryError('ECR GetAuthorizationToken returned no usable token.', ExitCode.Usage);
  }
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    ...(data?.proxyEndpoint ? { proxyEndpoint: data.proxyEndpoint } : {}),
    ...(data?.expiresAt ? { expiresAt: data.expiresAt } : {}),
  };
}
