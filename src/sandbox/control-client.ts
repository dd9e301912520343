import type { Faults } from './faults.ts';
import type { PolicyDocument, Role } from './iam/store.ts';
import type { LoggedRequest } from './request-log.ts';
import type { SeededDescriptor, SeedRequest } from './seed.ts';

/** A typed client of the sandbox's control API; needs only the endpoint, so any process can use it. */
export class SandboxControl {
  readonly endpoint: string;

  constructor(endpoint: string) {
    this.endpoint = endpoint.replace(/\/+$/, '');
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.endpoint}/_sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox control ${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  seed(request: SeedRequest): Promise<{ descriptors: Record<string, SeededDescriptor> }> {
    return this.#call('POST', 'seed', request);
  }

  /** Pushes a new synthetic image (distinct content each call) and returns its digest. */
  pushImage(repository: string, tag: string): Promise<{ digest: string }> {
    return this.#call('POST', 'images', { repository, tag });
  }

  setFaults(faults: Faults): Promise<Faults> {
    return this.#call('POST', 'faults', faults);
  }

  clearFaults(): Promise<void> {
    return this.#call<unknown>('DELETE', 'faults').then(() => undefined);
  }

  getFaults(): Promise<Faults> {
    return this.#call('GET', 'faults');
  }

  requests(): Promise<LoggedRequest[]> {
    return this.#call('GET', 'requests');
  }

  clearRequests(): Promise<void> {
    return this.#call<unknown>('DELETE', 'requests').then(() => undefined);
  }

  /** Sets a seeded CloudWatch alarm's state, as if its metric had crossed (or recovered). */
  setAlarm(name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', reason?: string): Promise<unknown> {
    return this.#call('POST', 'alarms', { name, state, ...(reason ? { reason } : {}) });
  }

  /** Rotates an RDS-managed secret: the simulated database accepts only the new password from now on. */
  rotateSecret(secretId: string): Promise<{ arn: string; versionId: string }> {
    return this.#call('POST', 'secrets/rotate', { secretId });
  }

  /** Logs in to a simulated database as PostgreSQL would: false with SQLSTATE 28P01 on a wrong password. */
  async dbLogin(
    database: string,
    username: string,
    password: string,
  ): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
    const res = await fetch(`${this.endpoint}/_sandbox/db/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ database, username, password }),
    });
    return (await res.json()) as { ok: true } | { ok: false; code: string; message: string };
  }

  /** The IAM roles seeded from the stacks, with their trust and permission policies. */
  roles(): Promise<Role[]> {
    return this.#call('GET', 'iam/roles');
  }

  /** Replaces one inline policy of a seeded role (e.g. to take a grant away). */
  putRolePolicy(roleArn: string, policyName: string, document: PolicyDocument): Promise<Role> {
    return this.#call('POST', 'iam/role-policy', { roleArn, policyName, document });
  }

  setTimeScale(scale: number): Promise<{ scale: number }> {
    return this.#call('POST', 'time', { scale });
  }

  // biome-ignore lint/suspicious/noExplicitAny: a free-form dump for tests to dig into
  state(): Promise<any> {
    return this.#call('GET', 'state');
  }
}
