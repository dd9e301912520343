/**
 * A run's hold on its lock: renewed in the background well before it expires,
 * and checked (fenced) before every change the run makes. A run that finds its
 * lock gone, taken, or expired on its own clock stops before its next change.
 */
import { ExitCode, FerryError } from '../errors.ts';
import { describeHolder, isExpired, type LockValue, parseLock, releaseLock } from './lock.ts';
import type { Clock, ParameterStore } from './ports.ts';
import { lockParameter } from './resource-names.ts';

/** Renewals per TTL: a couple of failed renewals in a row still leave time for the next one. */
const RENEWALS_PER_TTL = 5;

export class LockLostError extends FerryError {
  constructor(reason: string) {
    super(`lost the lock: ${reason}; stopped before the next change`, ExitCode.NeedsPerson);
    this.name = 'LockLostError';
  }
}

export class Lease {
  #value: LockValue;
  #lost: string | undefined;
  #cancelTimer: (() => void) | undefined;
  #renewing: Promise<void> | undefined;

  readonly params: ParameterStore;
  readonly clock: Clock;
  readonly where: { app: string; env: string };
  readonly ttlMs: number;
  readonly onWarn: (message: string) => void;

  constructor(
    params: ParameterStore,
    clock: Clock,
    where: { app: string; env: string },
    value: LockValue,
    ttlMs: number,
    onWarn: (message: string) => void = () => {},
  ) {
    this.params = params;
    this.clock = clock;
    this.where = where;
    this.#value = value;
    this.ttlMs = ttlMs;
    this.onWarn = onWarn;
  }

  get value(): LockValue {
    return this.#value;
  }

  /** Why the lock is no longer ours, once that is known. */
  get lost(): string | undefined {
    return this.#lost;
  }

  startRenewing(): void {
    if (this.#cancelTimer || !this.clock.every) return;
    const every = Math.max(50, Math.floor(this.ttlMs / RENEWALS_PER_TTL));
    this.#cancelTimer = this.clock.every(every, () => {
      if (this.#renewing || this.#lost) return;
      this.#renewing = this.renew()
        .catch((err: unknown) => {
          // One failed renewal is survivable: the next comes long before expiry.
          this.onWarn(`could not renew the lock: ${err instanceof Error ? err.message : String(err)}`);
        })
        .finally(() => {
          this.#renewing = undefined;
        });
    });
  }

  /** Extends the lock, only while it is still ours and not yet expired on our clock. */
  async renew(): Promise<void> {
    if (this.#lost) return;
    const current = await this.#readOwn();
    if (!current) return;
    const now = this.clock.now();
    if (isExpired(current, now)) {
      this.#lost = `it expired at ${current.expiresAt} before it could be renewed`;
      return;
    }
    const next: LockValue = { ...current, expiresAt: new Date(now.getTime() + this.ttlMs).toISOString() };
    await this.params.put(lockParameter(this.where.app, this.where.env), JSON.stringify(next));
    this.#value = next;
  }

  /** The fencing check before a change: throws LockLostError unless the lock is still ours. */
  async check(): Promise<void> {
    if (!this.#lost) {
      const current = await this.#readOwn();
      const now = this.clock.now();
      if (current && isExpired(current, now))
        this.#lost = `it expired at ${current.expiresAt} (renewals failed)`;
      else if (current && Date.parse(current.expiresAt) - now.getTime() < this.ttlMs / 2) await this.renew();
    }
    if (this.#lost) throw new LockLostError(this.#lost);
  }

  async #readOwn(): Promise<LockValue | undefined> {
    const found = await this.params.get(lockParameter(this.where.app, this.where.env));
    const current = found ? parseLock(found.value) : undefined;
    if (current?.runId === this.#value.runId) return current;
    this.#lost = current
      ? `it is now held by ${describeHolder(current)}`
      : 'it was released by someone else (ferry lock release --force?)';
    return undefined;
  }

  async stopRenewing(): Promise<void> {
    this.#cancelTimer?.();
    this.#cancelTimer = () => {};
    await this.#renewing;
  }

  /** Stops renewing, then deletes the lock if it is still ours. */
  async release(): Promise<'released' | 'not-ours' | 'expired'> {
    await this.stopRenewing();
    if (this.#lost) return 'not-ours';
    return releaseLock(this.params, this.clock, this.where, this.#value.runId);
  }
}
