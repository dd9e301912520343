/** Recognising AWS SDK errors, and saying what they mean to the person running ferry. */
import { ExitCode, FerryError } from '../errors.ts';

/** The error's code (`name` in SDK v3, e.g. `ParameterAlreadyExists`), or undefined for non-errors. */
export function awsErrorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { name, Code, code } = err as { name?: unknown; Code?: unknown; code?: unknown };
  // Node's network errors are plain `Error`s with the useful part in `code` (ECONNREFUSED, ...).
  const specific = name === 'Error' ? undefined : name;
  for (const candidate of [specific, Code, code, name]) {
    if (typeof candidate === 'string' && candidate) return candidate;
  }
  return undefined;
}

export function isAwsError(err: unknown, ...names: string[]): boolean {
  const name = awsErrorName(err);
  return name !== undefined && names.includes(name);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
]);
const UNRECOGNIZED = new Set([
  'UnrecognizedClientException',
  'UnrecognizedClient',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'TimeoutError',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/**
 * One line for a human: what AWS said and what to do about it. Never includes
 * credentials: AWS error messages do not carry them, and nothing else is added.
 */
export function describeAwsError(err: unknown): string {
  const name = awsErrorName(err) ?? 'Error';
  const message = messageOf(err).replace(/\s+/g, ' ').trim();
  if (ACCESS_DENIED.has(name)) {
    return `AWS denied the request (${name}: ${message}). Check that the IAM policy of the role or user ferry runs as allows this action on this resource, and that --role-arn names the environment's deploy role.`;
  }
  if (UNRECOGNIZED.has(name)) {
    return `AWS did not recognise the credentials (${name}: ${message}). Check AWS_PROFILE / AWS_ACCESS_KEY_ID, that the keys belong to this partition and region, and that AWS_ENDPOINT_URL is not left pointing at another endpoint.`;
  }
  if (EXPIRED.has(name)) {
    return `The AWS credentials have expired (${name}: ${message}). Refresh them (e.g. \`aws sso login\`, or re-run the job to get a new OIDC session) and run ferry again.`;
  }
  if (name === 'CredentialsProviderError') {
    return `No AWS credentials were found (${message}). Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or in GitHub Actions give the job \`permissions: id-token: write\` and a role ARN.`;
  }
  if (UNREACHABLE.has(name)) {
    return `Could not reach AWS (${name}: ${message}). Check the network and the region, and AWS_ENDPOINT_URL if it is set.`;
  }
  if (THROTTLED.has(name)) {
    return `AWS kept throttling the request after every retry (${name}: ${message}). Try again in a minute, or raise the poll interval.`;
  }
  return `${name}: ${message}`;
}

/**
 * No credentials, or nothing at the endpoint: every AWS call of the run would
 * fail the same way, so it is said once, as the fix, and the run stops (exit 2:
 * nothing was changed, since no call got through).
 */
export class AccessError extends FerryError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
    this.name = 'AccessError';
  }
}

const NO_CREDENTIALS = new Set(['CredentialsProviderError']);

/**
 * The AccessError for an SDK error that means ferry cannot talk to AWS at all,
 * or undefined. `endpoint` is AWS_ENDPOINT_URL when set: then an unreachable
 * endpoint is the sandbox (or another local endpoint) not running.
 */
export function accessError(err: unknown, endpoint: string | undefined): AccessError | undefined {
  if (err instanceof AccessError) return err;
  const name = awsErrorName(err);
  if (name === undefined) return undefined;
  if (NO_CREDENTIALS.has(name)) {
    return new AccessError(
      'no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run in GitHub Actions with id-token: write)',
    );
  }
  if (UNREACHABLE.has(name)) {
    return new AccessError(
      endpoint
        ? `nothing answers at AWS_ENDPOINT_URL=${endpoint}; is \`ferry sandbox\` running? (unset AWS_ENDPOINT_URL to use AWS itself)`
        : `cannot reach AWS (${name}); check the network, a proxy (HTTPS_PROXY) and the region`,
    );
  }
  return undefined;
}
