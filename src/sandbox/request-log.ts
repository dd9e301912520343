import type { CheckedAuthorization } from './iam/guard.ts';
import type { ServiceName } from './protocol/types.ts';

export interface LoggedRequest {
  seq: number;
  service: ServiceName;
  operation: string;
  params: unknown;
  /** Role ARN for STS-issued keys, else the access key id ('' when unsigned). */
  caller: string;
  status: number;
  ts: string;
  /** The IAM authorizations checked for a request signed by an assumed role, with their decisions. */
  authorizations?: CheckedAuthorization[];
}

/** Every AWS API request the sandbox answered, in order (control and /_lb requests excluded). */
export class RequestLog {
  #entries: LoggedRequest[] = [];
  #seq = 0;
  readonly #limit: number;

  constructor(limit = 20_000) {
    this.#limit = limit;
  }

  add(entry: Omit<LoggedRequest, 'seq'>): void {
    this.#entries.push({ seq: ++this.#seq, ...entry });
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
  }

  list(): LoggedRequest[] {
    return [...this.#entries];
  }

  clear(): void {
    this.#entries = [];
  }
}
