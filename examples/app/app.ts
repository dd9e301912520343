import { createServer, type Server } from 'node:http';

export interface AppOptions {
  /** The release the container runs (ECS passes the git SHA as APP_VERSION). */
  version: string;
  /** Resolves when the database answers; rejects with why it does not. */
  checkDatabase: () => Promise<void>;
}

function reply(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The whole application: a health endpoint ferry and the load balancer check, and a greeting. */
export function createApp(options: AppOptions): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/health') {
      options.checkDatabase().then(
        () => reply(res, 200, { version: options.version, db: 'ok' }),
        (err: Error) => reply(res, 503, { version: options.version, db: 'unreachable', error: err.message }),
      );
      return;
    }
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`shop ${options.version}\n`);
      return;
    }
    reply(res, 404, { error: 'not found' });
  });
}
