import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type DispatchDeps, dispatchAws } from './aws-dispatch.ts';
import { handleControl } from './control.ts';
import { answerLoadBalancer } from './lb.ts';
import { answerTokenRequest } from './oidc-issuer.ts';
import type { World } from './world.ts';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One HTTP server: the control API, the per-service load balancers, and every AWS API. */
export function createSandboxServer(
  world: World,
  deps: Omit<DispatchDeps, 'faults' | 'log' | 'sts' | 'now' | 'guard'>,
): Server {
  const dispatch: DispatchDeps = {
    ...deps,
    faults: world.faults,
    log: world.log,
    sts: world.sts,
    guard: world.guard,
    now: world.now,
  };
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    readBody(req)
      .then(async (body) => {
        if (url.pathname === '/_sandbox/oidc/token')
          return answerTokenRequest(url.searchParams, req.headers.authorization, res);
        if (url.pathname.startsWith('/_sandbox/'))
          return handleControl(world, req.method ?? 'GET', url.pathname, body, res);
        const lb = /^\/_lb\/([^/]+)/.exec(url.pathname);
        if (lb) {
          const path = `${url.pathname.slice(lb[0].length) || '/'}${url.search}`;
          const forward = { method: req.method ?? 'GET', path, headers: req.headers, body };
          return answerLoadBalancer(world, decodeURIComponent(lb[1]!), res, forward);
        }
        return dispatchAws(dispatch, req, res, body);
      })
      .catch((err: unknown) => {
        deps.onError?.(err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`sandbox error: ${(err as Error).message}`);
      });
  });
}
