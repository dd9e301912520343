/** The GitHub Actions OIDC token: what `permissions: id-token: write` gives a job. */
import { ExitCode, FerryError } from '../errors.ts';
import type { OidcTokenRequest, Runtime } from '../runtime.ts';

export const STS_AUDIENCE = 'sts.amazonaws.com';

export type OidcRequest = OidcTokenRequest;

export interface FetchTokenOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  attempts?: number;
  /** Base delay of the exponential backoff; each wait is a random fraction of it ("full jitter"). */
  baseDelayMs?: number;
  /** How long one request may take before it is abandoned (and retried); default 10 s. */
  timeoutMs?: number;
}

export const OIDC_REQUEST_TIMEOUT_MS = 10_000;

/** Node's codes for a connection that never opened: refused, or a host name that does not resolve. */
const NO_CONNECTION = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** The token URL took no connection on any attempt (so the caller can tell which endpoint is down). */
export class OidcTokenUnreachable extends FerryError {
  readonly requestUrl: string;

  constructor(message: string, requestUrl: string, hints: readonly string[]) {
    super(message, ExitCode.Usage, hints);
    this.name = 'OidcTokenUnreachable';
    this.requestUrl = requestUrl;
  }
}

export function missingIdTokenPermission(roleArn: string): FerryError {
  return new FerryError(
    `Cannot assume ${roleArn}: this GitHub Actions job has no OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN are not set). The job needs \`permissions: id-token: write\`.`,
    ExitCode.Usage,
    [
      'Add `permissions: { id-token: write, contents: read }` to the job (listing permissions drops the defaults, so keep `contents: read`).',
      'Pull requests from forks never get an id token.',
    ],
  );
}

/**
 * GET `<url>&audience=sts.amazonaws.com` with the bearer token; the JWT is in `.value`.
 * Network errors, 429 and 5xx are retried with jittered exponential backoff.
 * Error messages carry the status, never the tokens or the response body.
 */
export async function fetchOidcToken(request: OidcRequest, options: FetchTokenOptions = {}): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const attempts = options.attempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 300;
  const timeoutMs = options.timeoutMs ?? OIDC_REQUEST_TIMEOUT_MS;
  const url = requestUrlWithAudience(request.requestUrl);
  let lastProblem = '';
  let connected = false;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(Math.round(random() * baseDelayMs * 2 ** (attempt - 1)));
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { Authorization: `Bearer ${request.requestToken}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      lastProblem =
        (err as Error)?.name === 'TimeoutError'
          ? `no answer within ${timeoutMs / 1000}s (timed out)`
          : `network error (${err instanceof Error ? err.message : String(err)})`;
      connected ||= !NO_CONNECTION.has(String((err as { cause?: { code?: unknown } })?.cause?.code));
      continue;
    }
    connected = true;
    if (response.ok) {
      const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
      if (typeof body?.value === 'string' && body.value) return body.value;
      throw new FerryError(
        'The GitHub OIDC token endpoint answered without a token in `.value`.',
        ExitCode.Usage,
      );
    }
    lastProblem = `HTTP ${response.status}`;
    if (response.status !== 429 && response.status < 500) break;
  }
  const message = `Could not get a GitHub OIDC token: ${lastProblem}.`;
  const hints = [
    'Check that the job has `permissions: id-token: write`, then re-run it: GitHub may have had a transient failure.',
  ];
  if (!connected) throw new OidcTokenUnreachable(message, request.requestUrl, hints);
  throw new FerryError(message, ExitCode.Usage, hints);
}

/** A request URL that is no URL is a broken job environment, not ferry's bug: say which variable. */
function requestUrlWithAudience(requestUrl: string): string {
  try {
    return withAudience(requestUrl);
  } catch {
    throw new FerryError(
      'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL, so no GitHub OIDC token can be requested.',
      ExitCode.Usage,
      [
        'In GitHub Actions the runner sets it; elsewhere (the sandbox) set it to the token URL the sandbox printed, or unset it.',
      ],
    );
  }
}

/** The runner's URL already carries a query string (`?api-version=...`); add the audience to it. */
export function withAudience(requestUrl: string): string {
  const url = new URL(requestUrl);
  url.searchParams.set('audience', STS_AUDIENCE);
  return url.toString();
}

/**
 * The `sub` claim of a JWT (not a secret: it names the repository and ref or
 * environment), to show which subject the role's trust policy must allow.
 */
export function jwtSubject(jwt: string): string | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Inside a GitHub Actions job that may ask for an id token: the `sub` GitHub
 * puts in it (what a trust policy matches). The token is masked, never kept.
 */
export async function currentOidcSubject(
  runtime: Runtime,
  mask: (secret: string) => void,
): Promise<string | undefined> {
  const request = runtime.oidc;
  if (!request || !runtime.githubActions) return undefined;
  const token = await fetchOidcToken(request);
  mask(token);
  return jwtSubject(token);
}
