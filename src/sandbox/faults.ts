/** Faults the control API injects; they apply from the next request or simulation tick. */
export interface Faults {
  unhealthy?: { version: string; afterSeconds?: number }[];
  failToStart?: string[];
  /** Tasks of `version` crash at start in this one service only (a worker whose command fails, say). */
  failToStartIn?: { version: string; service: string }[];
  migrationExitCode?: number;
  migrationLogLines?: string[];
  /** New database snapshots fail half-way instead of becoming available. */
  snapshotsFail?: boolean;
  /** How long (simulated seconds) a migration task runs before it exits (default 4). */
  migrationRunSeconds?: number;
  throttleRate?: number;
  errorRate?: number;
  latencyMs?: number;
  faultOperations?: string[];
  /** Role ARNs whose trust policy refuses every caller: AssumeRole(WithWebIdentity) answers AccessDenied. */
  untrustedRoles?: string[];
  /** Faults that hit particular calls (the Nth matching one), the way one unlucky request fails in AWS. */
  calls?: CallFault[];
}

/**
 * One call's fault. `stall`: the call is carried out, then its answer waits `ms`
 * (a caller that read state and then paused). `lost-response`: the call is carried
 * out, then answered with a 500, as when AWS applied a change but the response
 * was lost. `hang`: the connection is accepted and never answered.
 */
export interface CallFault {
  kind: 'stall' | 'lost-response' | 'hang';
  operation: string;
  /** Only calls whose parameters (as JSON) contain this text. */
  match?: string;
  /** The first matching call hit, counting from when the fault was set (default 1). */
  nth?: number;
  /** How many matching calls from the Nth on are hit (default 1; 0: all of them). */
  times?: number;
  /** For `stall`: how long the answer waits. */
  ms?: number;
}

export type RequestFault = { kind: 'throttle' } | { kind: 'error'; status: 500 | 503 } | undefined;

export class FaultStore {
  current: Faults = {};
  readonly #random: () => number;
  /** Matching calls seen so far, per entry of `current.calls`. */
  #seen: number[] = [];

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  merge(patch: Faults): Faults {
    this.current = { ...this.current, ...patch };
    if (patch.calls) this.#seen = patch.calls.map(() => 0);
    return this.current;
  }

  clear(): void {
    this.current = {};
    this.#seen = [];
  }

  /** The call fault that hits this call, if any; counts the call against every matching entry. */
  callFault(operation: string, params: unknown): CallFault | undefined {
    let hit: CallFault | undefined;
    const text = JSON.stringify(params ?? {});
    (this.current.calls ?? []).forEach((fault, i) => {
      if (fault.operation !== operation || (fault.match && !text.includes(fault.match))) return;
      const n = (this.#seen[i] ?? 0) + 1;
      this.#seen[i] = n;
      const first = fault.nth ?? 1;
      const times = fault.times ?? 1;
      if (n >= first && (times === 0 || n < first + times)) hit ??= fault;
    });
    return hit;
  }

  #applies(operation: string): boolean {
    const only = this.current.faultOperations;
    return !only || only.length === 0 || only.includes(operation);
  }

  latencyFor(operation: string): number {
    return this.#applies(operation) ? (this.current.latencyMs ?? 0) : 0;
  }

  /** Decides, per request, whether to throttle it or fail it with a server error. */
  requestFault(operation: string): RequestFault {
    if (!this.#applies(operation)) return undefined;
    const { throttleRate = 0, errorRate = 0 } = this.current;
    if (throttleRate > 0 && this.#random() < throttleRate) return { kind: 'throttle' };
    if (errorRate > 0 && this.#random() < errorRate)
      return { kind: 'error', status: this.#random() < 0.5 ? 500 : 503 };
    return undefined;
  }

  /** Whether a task of `version` fails health checks, given how long it has been healthy (undefined: never). */
  failsHealthCheck(version: string | undefined, healthyForMs: number | undefined): boolean {
    for (const rule of this.current.unhealthy ?? []) {
      if (rule.version !== version) continue;
      if (!rule.afterSeconds) return true;
      if (healthyForMs !== undefined && healthyForMs >= rule.afterSeconds * 1000) return true;
    }
    return false;
  }

  refusesRole(roleArn: string): boolean {
    return (this.current.untrustedRoles ?? []).includes(roleArn);
  }

  failsToStart(version: string | undefined, service?: string): boolean {
    if (version === undefined) return false;
    if ((this.current.failToStart ?? []).includes(version)) return true;
    return (this.current.failToStartIn ?? []).some((r) => r.version === version && r.service === service);
  }
}

export function validateFaults(input: unknown): Faults {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error('faults must be an object');
  const f = input as Record<string, unknown>;
  const rate = (name: string) => {
    const v = f[name];
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 1))
      throw new Error(`${name} must be between 0 and 1`);
  };
  rate('throttleRate');
  rate('errorRate');
  if (f.latencyMs !== undefined && (typeof f.latencyMs !== 'number' || f.latencyMs < 0)) {
    throw new Error('latencyMs must be a number >= 0');
  }
  if (f.unhealthy !== undefined && !Array.isArray(f.unhealthy)) throw new Error('unhealthy must be an array');
  for (const rule of (f.unhealthy as unknown[] | undefined) ?? []) {
    if (typeof (rule as { version?: unknown })?.version !== 'string')
      throw new Error('unhealthy[].version must be a string');
  }
  if (f.failToStartIn !== undefined && !Array.isArray(f.failToStartIn))
    throw new Error('failToStartIn must be an array');
  for (const rule of (f.failToStartIn as unknown[] | undefined) ?? []) {
    const r = rule as { version?: unknown; service?: unknown };
    if (typeof r?.version !== 'string' || typeof r.service !== 'string')
      throw new Error('failToStartIn[] must be {version, service} strings');
  }
  for (const name of ['failToStart', 'migrationLogLines', 'faultOperations', 'untrustedRoles']) {
    const v = f[name];
    if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))) {
      throw new Error(`${name} must be an array of strings`);
    }
  }
  if (f.calls !== undefined && !Array.isArray(f.calls)) throw new Error('calls must be an array');
  for (const c of (f.calls as Record<string, unknown>[] | undefined) ?? []) {
    if (!['stall', 'lost-response', 'hang'].includes(String(c?.kind)))
      throw new Error('calls[].kind must be stall, lost-response or hang');
    if (typeof c.operation !== 'string') throw new Error('calls[].operation must be a string');
    for (const n of ['nth', 'times', 'ms'] as const) {
      if (c[n] !== undefined && (!Number.isInteger(c[n]) || (c[n] as number) < 0))
        throw new Error(`calls[].${n} must be an integer >= 0`);
    }
  }
  if (f.snapshotsFail !== undefined && typeof f.snapshotsFail !== 'boolean')
    throw new Error('snapshotsFail must be a boolean');
  if (
    f.migrationRunSeconds !== undefined &&
    (typeof f.migrationRunSeconds !== 'number' || !(f.migrationRunSeconds >= 0))
  )
    throw new Error('migrationRunSeconds must be a number >= 0');
  // The fault's former second name: refused, so that a caller still using it does not get the default run.
  if (f.migrationSeconds !== undefined) throw new Error('migrationSeconds is now migrationRunSeconds');
  if (f.migrationExitCode !== undefined && !Number.isInteger(f.migrationExitCode)) {
    throw new Error('migrationExitCode must be an integer');
  }
  return f as Faults;
}
