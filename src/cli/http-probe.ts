import type { HttpProbe } from '../pipeline/ports.ts';

/** Health probes over fetch: no redirects followed, a bounded body, every failure an answer rather than a throw. */
export function fetchProbe(): HttpProbe {
  return {
    async get(url, timeoutMs) {
      try {
        const res = await fetch(url, {
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
          headers: { accept: 'application/json' },
        });
        const body = (await res.text()).slice(0, 64 * 1024);
        return { status: res.status, body };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        return {
          error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs}ms` : (e.cause?.code ?? e.message),
        };
      }
    },
  };
}
