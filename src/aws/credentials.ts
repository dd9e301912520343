/**
 * The credential chain: the SDK's default chain, or a role assumed from it, or
 * (in GitHub Actions) a role assumed with the job's OIDC token. Assumed
 * sessions are renewed before they expire, so runs longer than one session work.
 */
import { setSecret } from '@actions/core';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  type Credentials,
  GetCallerIdentityCommand,
  type STSClient,
} from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ExitCode, FerryError } from '../errors.ts';
import type { Runtime } from '../runtime.ts';
import { buildClient, credentialsFromEnv, type OnCall } from './clients.ts';
import { accessError, awsErrorName, describeAwsError, isRequestTimeout, nothingAnswersAt } from './errors.ts';
import {
  type FetchTokenOptions,
  fetchOidcToken,
  jwtSubject,
  missingIdTokenPermission,
  OidcTokenUnreachable,
} from './oidc.ts';

export interface CredentialsOptions {
  region: string;
  roleArn?: string;
  /** Overrides the default `ferry-<environment>-<user or run id>`. */
  sessionName?: string;
  /** The ferry environment (staging, production), for the default session name. */
  environment?: string;
  /** What the SDK reads: static keys, the endpoint, the request timeout. */
  env: NodeJS.ProcessEnv;
  /** GitHub Actions or not, its run id and OIDC token request, the local user. */
  runtime: Runtime;
  /** Requested session length. @default 3600 */
  durationSeconds?: number;
  maxAttempts?: number;
  onCall?: OnCall;
  /** The STS client AssumeRole is sent with (signed by the default chain). Built from the options by default. */
  sts?: STSClient;
  /** Masks a secret in CI logs; only ever called inside GitHub Actions. @default @actions/core setSecret */
  mask?: (secret: string) => void;
  now?: () => Date;
  token?: FetchTokenOptions;
}

/** Renew this long before expiry (more than the SDK's own 5-minute window, so it never sees stale credentials). */
export const REFRESH_BEFORE_MS = 10 * 60_000;
const STS_SESSION_NAME = /[^\w+=,.@-]/g;

/** `ferry-<environment>-<run id in CI, else user>`, reduced to STS's charset and 64 characters. */
export function roleSessionName(environment: string | undefined, runtime: Runtime): string {
  const who = (runtime.githubActions && runtime.github.runId) || localUser(runtime);
  return sanitizeSessionName(['ferry', environment, who].filter(Boolean).join('-'));
}

function localUser(runtime: Runtime): string {
  return runtime.user ?? 'local';
}

/**
 * Who runs ferry outside GitHub Actions, as the source identity the stacks' roles require of
 * people (`operatorPrincipals`): CloudTrail records it on every call of the session.
 */
export function sourceIdentity(runtime: Runtime): string {
  return sanitizeSessionName(localUser(runtime).replace(/^aws:/i, ''));
}

export function sanitizeSessionName(name: string): string {
  const clean = name.replace(STS_SESSION_NAME, '-').slice(0, 64);
  return clean.length >= 2 ? clean : `${clean}--`.slice(0, 2);
}

/**
 * The provider every client shares. Without a role: static keys from `env`,
 * else the SDK's default chain. With a role: an assumed session, renewed
 * before expiry. Throws at once (exit 2) when GitHub Actions gave the job no
 * id token, before any AWS call.
 */
export function createCredentials(options: CredentialsOptions): AwsCredentialIdentityProvider {
  const staticKeys = credentialsFromEnv(options.env);
  let sts = options.sts;
  const baseSts = (): STSClient => {
    sts ??= buildClient('sts', {
      region: options.region,
      env: options.env,
      maxAttempts: options.maxAttempts,
      onCall: options.onCall,
      credentials: staticKeys ? async () => staticKeys : undefined,
    });
    return sts;
  };
  if (!options.roleArn) {
    if (staticKeys) return async () => staticKeys;
    // One default chain for every client: resolved once, not once per client.
    return (identityProperties) => baseSts().config.credentials(identityProperties);
  }
  const roleArn = options.roleArn;
  const inActions = options.runtime.githubActions;
  const oidc = options.runtime.oidc;
  if (inActions && !oidc) throw missingIdTokenPermission(roleArn);
  // A mask command echoes the secret: outside GitHub Actions nobody would hide it, so never send one there.
  const mask = inActions ? (options.mask ?? setSecret) : () => {};
  const sessionName = options.sessionName
    ? sanitizeSessionName(options.sessionName)
    : roleSessionName(options.environment, options.runtime);
  const durationSeconds = options.durationSeconds ?? 3600;

  const assume = oidc
    ? async (): Promise<AwsCredentialIdentity> => {
        const token = await fetchOidcToken(oidc, options.token).catch((err: unknown) => {
          throw tokenFetchFailed(err, options.env.AWS_ENDPOINT_URL);
        });
        mask(token);
        try {
          const out = await baseSts().send(
            new AssumeRoleWithWebIdentityCommand({
              RoleArn: roleArn,
              RoleSessionName: sessionName,
              WebIdentityToken: token,
              DurationSeconds: durationSeconds,
            }),
          );
          return toIdentity(out.Credentials, roleArn, mask);
        } catch (err) {
          throw assumeFailed(
            err,
            options.env.AWS_ENDPOINT_URL,
            roleArn,
            [token, oidc.requestToken],
            webIdentityHints(jwtSubject(token)),
          );
        }
      }
    : async (): Promise<AwsCredentialIdentity> => {
        try {
          const out = await baseSts().send(
            new AssumeRoleCommand({
              RoleArn: roleArn,
              RoleSessionName: sessionName,
              DurationSeconds: durationSeconds,
              SourceIdentity: sourceIdentity(options.runtime),
            }),
          );
          return toIdentity(out.Credentials, roleArn, mask);
        } catch (err) {
          const caller = await callerArn(baseSts());
          throw assumeFailed(
            err,
            options.env.AWS_ENDPOINT_URL,
            roleArn,
            secretsOf(staticKeys),
            operatorHints(roleArn, caller, options.environment),
          );
        }
      };
  return renewing(assume, options.now ?? (() => new Date()));
}

/**
 * Caches the session and renews it REFRESH_BEFORE_MS before expiry; concurrent
 * callers share one renewal. If renewal fails while the old session is still
 * valid for a minute, the old one is used and renewal is tried again next call.
 */
export function renewing(
  assume: () => Promise<AwsCredentialIdentity>,
  now: () => Date,
): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (c: AwsCredentialIdentity | undefined, marginMs: number): c is AwsCredentialIdentity =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now().getTime() > marginMs);
  return async () => {
    if (fresh(current, REFRESH_BEFORE_MS)) return current;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    try {
      current = await pending;
      return current;
    } catch (err) {
      if (fresh(current, 60_000)) return current;
      throw err;
    }
  };
}

function toIdentity(
  credentials: Credentials | undefined,
  roleArn: string,
  mask: (secret: string) => void,
): AwsCredentialIdentity {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new FerryError(`STS returned no credentials for ${roleArn}.`, ExitCode.Usage);
  }
  mask(credentials.AccessKeyId);
  mask(credentials.SecretAccessKey);
  if (credentials.SessionToken) mask(credentials.SessionToken);
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
    ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
  };
}

/** The identity ferry started from, to name in the fix; undefined when even that call fails. */
async function callerArn(sts: STSClient): Promise<string | undefined> {
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } catch {
    return undefined;
  }
}

/**
 * The stacks' deploy roles trust GitHub's OIDC provider, and people only when the stack lists them:
 * say exactly which setting to change, with this caller's ARN.
 */
export function operatorHints(roleArn: string, caller: string | undefined, environment?: string): string[] {
  const who = caller ? `\`${principalOf(caller)}\`` : 'your identity (`aws sts get-caller-identity`)';
  const stackFile = `Pulumi.${environment ?? '<env>'}.yaml`;
  return [
    `The ferry stacks' deploy roles trust GitHub Actions, and people only when listed: add ${who} to \`ferry-stacks:operatorPrincipals\` (comma-separated) in stacks/${stackFile}, then run \`pulumi up\`. ferry sends your user name as the source identity that trust requires.`,
    `For a role not made by the ferry stacks: its trust policy must allow this identity sts:AssumeRole and sts:SetSourceIdentity, and the identity's own policy must allow sts:AssumeRole on ${roleArn}.`,
  ];
}

/** An assumed-role session ARN names its role: trust policies list the role, not the session. */
function principalOf(arn: string): string {
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : arn;
}

function webIdentityHints(subject: string | undefined): string[] {
  return [
    `Check the role's trust policy: it must trust the token.actions.githubusercontent.com OIDC provider with \`aud\` = sts.amazonaws.com and a \`sub\` that matches this job${subject ? ` (this job presents \`${subject}\`)` : ''}.`,
    'A job with `environment:` presents repo:OWNER/REPO:environment:NAME; repositories created, renamed or transferred since 15 July 2026 present repo:OWNER@<ownerId>/REPO@<repoId>:...',
  ];
}

function assumeFailed(
  err: unknown,
  endpoint: string | undefined,
  roleArn: string,
  secrets: string[],
  hints: string[],
): FerryError {
  if (err instanceof FerryError) return err;
  // No base credentials or no endpoint is not a trust-policy problem: say the actual fix.
  const access = accessError(err, endpoint);
  if (access) return access;
  if (isRequestTimeout(err))
    return new FerryError(`Could not assume role ${roleArn}: ${describeAwsError(err)}`);
  const name = awsErrorName(err) ?? 'Error';
  const message = redact(err instanceof Error ? err.message : String(err), secrets);
  return new FerryError(`Could not assume role ${roleArn}: ${name}: ${message}`, ExitCode.Usage, hints);
}

/**
 * The token URL on the same host as AWS_ENDPOINT_URL is the sandbox's issuer: when neither takes a
 * connection, the fix is the sandbox, not the job's permissions.
 */
function tokenFetchFailed(err: unknown, endpoint: string | undefined): unknown {
  if (!(err instanceof OidcTokenUnreachable) || !endpoint) return err;
  return hostOf(err.requestUrl) === hostOf(endpoint) ? nothingAnswersAt(endpoint) : err;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function secretsOf(keys: AwsCredentialIdentity | undefined): string[] {
  return keys ? [keys.secretAccessKey, keys.sessionToken ?? ''] : [];
}

/** Belt and braces: an error message must never echo a secret back. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}
