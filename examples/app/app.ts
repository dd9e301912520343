import { createServer, type Server } from 'node:http';

export interface AppOptions {
  /** The release the container runs (ECS passes the git SHA as APP_VERSION). */
  version: string;
}

/** The whole application: a health endpoint ferry checks, and a greeting. */
export function createApp(options: AppOptions): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ version: options.version }));
      return;
    }
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`shop ${options.version}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found' }));
  });
}
