import type { FerryEvent } from '../../pipeline/events.ts';
import { jsonLine } from '../render/json.ts';
import type { Sink } from '../render/sink.ts';
import { type ReleaseFacts, slackMessage } from './slack-message.ts';

type Result = Extract<FerryEvent, { type: 'result' }>;
export type NotifyOn = 'success' | 'failure' | 'rolled_back';

/** Which `notify.on` value a result answers to; a dry run answers to none. */
export function notifyKind(result: Result): NotifyOn | undefined {
  if (result.outcome === 'ok') return undefined;
  if (result.outcome === 'deployed') return 'success';
  return result.outcome === 'rolled_back' ? 'rolled_back' : 'failure';
}

export interface NotifyTarget {
  /** How warnings name it: "Slack", "webhook". Never the URL: a webhook URL is a credential. */
  name: string;
  url: string;
  body: (result: Result, facts: ReleaseFacts) => unknown;
}

export const slackTarget = (url: string): NotifyTarget => ({
  name: 'Slack',
  url,
  body: (result, facts) => slackMessage(facts, result),
});

/** The final result event exactly as `--json` prints it. */
export const webhookTarget = (url: string, now: () => Date): NotifyTarget => ({
  name: 'webhook',
  url,
  body: (result) => JSON.parse(jsonLine(result, now())),
});

export interface NotifierOptions {
  targets: NotifyTarget[];
  on: readonly NotifyOn[];
  facts: Omit<ReleaseFacts, 'durationMs' | 'sha'> & { sha?: string };
  timeoutMs: number;
  now: () => Date;
  warn: (message: string) => void;
  fetch?: typeof fetch;
}

/**
 * Posts the result of a release to Slack and webhooks. Sent when the result
 * arrives, awaited at close; a target that fails or is slow is a warning and
 * never changes the exit code.
 */
export class Notifier implements Sink {
  readonly #opts: NotifierOptions;
  readonly #startedAt: number;
  #sending: Promise<void> = Promise.resolve();

  constructor(opts: NotifierOptions) {
    this.#opts = opts;
    this.#startedAt = opts.now().getTime();
  }

  emit(event: FerryEvent): void {
    if (event.type !== 'result') return;
    const kind = notifyKind(event);
    if (!kind || !this.#opts.on.includes(kind)) return;
    const facts: ReleaseFacts = {
      ...this.#opts.facts,
      ...((event.sha ?? this.#opts.facts.sha) ? { sha: event.sha ?? this.#opts.facts.sha } : {}),
      durationMs: this.#opts.now().getTime() - this.#startedAt,
    };
    this.#sending = Promise.all(this.#opts.targets.map((target) => this.#post(target, event, facts))).then(
      () => undefined,
    );
  }

  close(): Promise<void> {
    return this.#sending;
  }

  async #post(target: NotifyTarget, result: Result, facts: ReleaseFacts): Promise<void> {
    const post = this.#opts.fetch ?? fetch;
    try {
      const response = await post(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'ferry' },
        body: JSON.stringify(target.body(result, facts)),
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
        redirect: 'error',
      });
      if (!response.ok) {
        const text = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
        this.#opts.warn(`${target.name} notification: HTTP ${response.status}${text ? ` ${text}` : ''}`);
      } else await response.body?.cancel();
    } catch (err) {
      const why =
        err instanceof Error && err.name === 'TimeoutError'
          ? `no answer in ${this.#opts.timeoutMs}ms`
          : describeFetchError(err);
      this.#opts.warn(`${target.name} notification: ${why}`);
    }
  }
}

// fetch's own message is "fetch failed"; the cause says why. Neither carries the URL, which stays secret.
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
