import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetchOidcToken } from '../../../src/aws/oidc.ts';
import { ExitCode, FerryError } from '../../../src/errors.ts';

describe('the OIDC token request', () => {
  it('gives up on an endpoint that accepts the connection and never answers, with a clear error', async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const started = Date.now();
    try {
      await expect(
        fetchOidcToken(
          { requestUrl: `http://127.0.0.1:${port}/token?api-version=2.0`, requestToken: 'req-token' },
          { timeoutMs: 200, attempts: 2, sleep: async () => {} },
        ),
      ).rejects.toThrow(/timed out/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('names the variable when the request URL is not a URL (a broken job environment, not a bug)', async () => {
    const err = await fetchOidcToken({
      requestUrl: '/_sandbox/oidc/token?sub=x',
      requestToken: 'req-token',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).exitCode).toBe(ExitCode.Usage);
    expect((err as FerryError).message).toContain('ACTIONS_ID_TOKEN_REQUEST_URL is not a URL');
  });
});
