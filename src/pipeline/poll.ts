/**
 * Fixed-interval polling (docs/aws-behaviour.md: never the SDK waiters, whose delays grow
 * to minutes). The interval grows only while AWS throttles us; other transient
 * errors are retried at the same interval, a few in a row at most.
 */
import type { Clock } from './ports.ts';

/** Consecutive transient failures tolerated before the state counts as unknown. */
export const MAX_TRANSIENT_FAILURES = 5;
const MAX_BACKOFF_FACTOR = 8;

const THROTTLE = /throttl|toomanyrequests|requestlimitexceeded|slowdown|ratelimit/i;
// Whole names, case-sensitive: /ENOTFOUND/i would also match `ServiceNotFoundException`.
const NETWORK =
  /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|TimeoutError|RequestTimeout(Exception)?)$/;
/**
 * AWS's answer, not a hiccup: asking again gets the same answer, so these surface
 * at once with their cause, whatever HTTP status they came with.
 */
const ANSWER =
  /AccessDenied|Unauthorized|AuthorizationError|Validation|InvalidParameter|NotFound|ClientException/;

interface AwsLikeError {
  name?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

export function isThrottle(err: unknown): boolean {
  const e = err as AwsLikeError | undefined;
  return Boolean(
    e && (THROTTLE.test(e.name ?? '') || THROTTLE.test(e.code ?? '') || e.$retryable?.throttling),
  );
}

/** Throttling, a server fault or a network hiccup: worth asking again. Anything else is an answer. */
export function isTransient(err: unknown): boolean {
  if (isThrottle(err)) return true;
  const e = err as AwsLikeError | undefined;
  if (!e) return false;
  if (isAnswer(e)) return false;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    e.$fault === 'server' ||
    status >= 500 ||
    NETWORK.test(e.name ?? '') ||
    NETWORK.test(e.code ?? '') ||
    /socket hang up/i.test(e instanceof Error ? e.message : '')
  );
}

/** A denial, a validation error or a missing resource: AWS answered, and will answer the same again. */
export function isAnswer(err: unknown): boolean {
  const e = err as AwsLikeError | undefined;
  return Boolean(e && (ANSWER.test(e.name ?? '') || ANSWER.test(e.code ?? '')));
}

/** Polling could not learn the state: too many transient errors in a row. */
export class StateUnknownError extends Error {
  override readonly cause: unknown;
  constructor(what: string, cause: unknown) {
    super(`${what}: ${MAX_TRANSIENT_FAILURES} AWS calls in a row failed (last: ${errorText(cause)})`);
    this.name = 'StateUnknownError';
    this.cause = cause;
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export interface PollContext {
  clock: Clock;
  signal: AbortSignal;
  intervalMs: number;
}

/**
 * Calls `fn`, retrying transient errors after the poll interval (doubling while
 * throttled). Gives up with StateUnknownError after MAX_TRANSIENT_FAILURES in a row.
 */
export async function retryTransient<T>(ctx: PollContext, what: string, fn: () => Promise<T>): Promise<T> {
  let failures = 0;
  let factor = 1;
  for (;;) {
    ctx.signal.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err)) throw err;
      failures += 1;
      if (failures >= MAX_TRANSIENT_FAILURES) throw new StateUnknownError(what, err);
      factor = isThrottle(err) ? Math.min(factor * 2, MAX_BACKOFF_FACTOR) : factor;
      await ctx.clock.sleep(ctx.intervalMs * factor, ctx.signal);
    }
  }
}

/**
 * Polls `check` every interval until it returns a value or `timeoutMs` passes
 * (then `undefined`). The first check happens at once, or after one interval
 * with `waitFirst` (when the call that started the wait already told us the state).
 */
export async function pollUntil<T>(
  ctx: PollContext,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  options: { waitFirst?: boolean } = {},
): Promise<T | undefined> {
  const deadline = ctx.clock.now().getTime() + timeoutMs;
  if (options.waitFirst) await ctx.clock.sleep(ctx.intervalMs, ctx.signal);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (ctx.clock.now().getTime() + ctx.intervalMs > deadline) return undefined;
    await ctx.clock.sleep(ctx.intervalMs, ctx.signal);
  }
}
