/** Faults the control API injects; they apply from the next request or simulation tick. */
export interface Faults {
  unhealthy?: { version: string; afterSeconds?: number }[];
  failToStart?: string[];
  /** Tasks of `version` crash at start in this one service only (a worker whose command fails, say). */
  failToStartIn?: { version: string; service: string }[];
  migrationExitCode?: number;
  migrationLogLines?: string[];
  throttleRate?: number;
  errorRate?: number;
  latencyMs?: number;
  faultOperations?: string[];
  /** Role ARNs whose trust policy refuses every caller: AssumeRole(WithWebIdentity) answers AccessDenied. */
  untrustedRoles?: string[];
}

export type RequestFault = { kind: 'throttle' } | { kind: 'error'; status: 500 | 503 } | undefined;

export class FaultStore {
  current: Faults = {};
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  merge(patch: Faults): Faults {
    this.current = { ...this.current, ...patch };
    return this.current;
  }

  clear(): void {
    this.current = {};
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
  if (f.migrationExitCode !== undefined && !Number.isInteger(f.migrationExitCode)) {
    throw new Error('migrationExitCode must be an integer');
  }
  return f as Faults;
}
