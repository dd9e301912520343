import { describe, expect, it } from 'vitest';
import {
  isThrottle,
  isTransient,
  MAX_TRANSIENT_FAILURES,
  pollUntil,
  retryTransient,
  StateUnknownError,
} from '../../../src/pipeline/poll.ts';
import { FakeClock, serverError, throttle } from '../../support/fakes.ts';

const awsError = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 }, ...extra });

function context(intervalMs = 1000) {
  const clock = new FakeClock();
  return { clock, ctx: { clock, signal: new AbortController().signal, intervalMs } };
}

/** Calls `fn`'s errors in order, then answers `value`. */
function failing<T>(errors: unknown[], value: T) {
  let calls = 0;
  const fn = async () => {
    calls += 1;
    const err = errors.shift();
    if (err) throw err;
    return value;
  };
  return { fn, calls: () => calls };
}

const ANSWERS = [
  awsError('AccessDeniedException', 'User is not authorized to perform: ecs:DescribeServices'),
  awsError('AccessDenied', 'not authorized', { $metadata: { httpStatusCode: 403 } }),
  awsError('ValidationException', '1 validation error detected'),
  awsError('InvalidParameterException', 'Invalid revision number'),
  awsError('InvalidParameterValue', 'bad value'),
  awsError('ServiceNotFoundException', 'Service not found.'),
  awsError('DBInstanceNotFoundFault', 'DBInstance shop-staging not found.', {
    $metadata: { httpStatusCode: 404 },
  }),
  awsError('ClientException', 'Unable to assume the service linked role.'),
  awsError('UnauthorizedOperation', 'You are not authorized'),
];

describe('retryTransient', () => {
  it.each(ANSWERS.map((e) => [e.name, e]))(
    'surfaces %s at once with its cause: an answer, not a hiccup',
    async (_name, err) => {
      const { clock, ctx } = context();
      const call = failing([err], 'never');
      await expect(retryTransient(ctx, 'service web', call.fn)).rejects.toBe(err);
      expect(call.calls()).toBe(1);
      expect(clock.sleeps).toEqual([]);
    },
  );

  it('never counts a denial or a validation error as transient, whatever status it came with', () => {
    for (const err of ANSWERS) expect(isTransient(err)).toBe(false);
    // A proxy or endpoint that wraps a denial in a 5xx: still a denial.
    expect(isTransient(awsError('AccessDeniedException', 'no', { $metadata: { httpStatusCode: 502 } }))).toBe(
      false,
    );
    expect(isTransient(awsError('ValidationException', 'no', { $fault: 'server' }))).toBe(false);
  });

  it('retries throttling, server faults and network errors', () => {
    expect(isTransient(throttle())).toBe(true);
    expect(isTransient(serverError())).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { name: 'Error', code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe(true);
    expect(
      isTransient(Object.assign(new Error('x'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } })),
    ).toBe(true);
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient(new Error('plain'))).toBe(false);
    expect(isThrottle(Object.assign(new Error('x'), { name: 'X', $retryable: { throttling: true } }))).toBe(
      true,
    );
    expect(isThrottle(Object.assign(new Error('x'), { code: 'TooManyRequestsException' }))).toBe(true);
    expect(isThrottle(serverError())).toBe(false);
  });

  it('retries transient errors at the poll interval, doubling only while throttled, up to 8x', async () => {
    const { clock, ctx } = context(1000);
    const call = failing([serverError(), throttle(), throttle(), throttle(), serverError()], 'ok');
    // Five in a row is the budget: four failures then an answer.
    const only4 = failing([serverError(), throttle(), throttle(), throttle()], 'ok');
    await expect(retryTransient(ctx, 'x', only4.fn)).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000]);
    expect(only4.calls()).toBe(5);
    clock.sleeps.length = 0;
    const err = await retryTransient(ctx, 'service web', call.fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateUnknownError);
    expect((err as StateUnknownError).message).toBe(
      `service web: ${MAX_TRANSIENT_FAILURES} AWS calls in a row failed (last: InternalFailure: Internal)`,
    );
    expect((err as StateUnknownError).cause).toMatchObject({ name: 'InternalFailure' });
    expect(call.calls()).toBe(MAX_TRANSIENT_FAILURES);
  });

  it('caps the throttling backoff at 8 intervals', async () => {
    const { clock, ctx } = context(100);
    const call = failing([throttle(), throttle(), throttle(), throttle()], 'ok');
    await retryTransient(ctx, 'x', call.fn);
    expect(clock.sleeps).toEqual([200, 400, 800, 800]);
  });

  it('stops when aborted', async () => {
    const { ctx } = context();
    const controller = new AbortController();
    controller.abort();
    await expect(retryTransient({ ...ctx, signal: controller.signal }, 'x', async () => 1)).rejects.toThrow();
  });
});

describe('pollUntil', () => {
  it('checks at once, then every interval, and gives up before the next check would pass the timeout', async () => {
    const { clock, ctx } = context(1000);
    const checks: number[] = [];
    const start = clock.now().getTime();
    const value = await pollUntil(ctx, 3500, async () => {
      checks.push(clock.now().getTime() - start);
      return undefined;
    });
    expect(value).toBeUndefined();
    expect(checks).toEqual([0, 1000, 2000, 3000]);
  });

  it('returns the first value, and waits one interval first with waitFirst', async () => {
    const { clock, ctx } = context(1000);
    let n = 0;
    const value = await pollUntil(ctx, 10_000, async () => (++n === 2 ? 'done' : undefined), {
      waitFirst: true,
    });
    expect(value).toBe('done');
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('checks exactly at the deadline when an interval lands on it', async () => {
    const { ctx } = context(1000);
    let n = 0;
    const value = await pollUntil(ctx, 2000, async () => (++n === 3 ? n : undefined));
    expect(value).toBe(3);
  });
});
