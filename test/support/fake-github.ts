/**
 * A local stand-in for the parts of GitHub's REST API ferry calls (deployments,
 * their statuses, issue comments), recording every request. Point
 * GITHUB_API_URL at `url`.
 */
import type { ServerResponse } from 'node:http';
import { type LocalServer, type RecordedRequest, startLocalServer } from '../unit/aws/local-server.ts';

export interface FakeGitHub extends LocalServer {
  /** Answer every request with this status (401, 403, 500) instead of success. */
  refuse(status: number | undefined): void;
  /** Bodies of the requests whose path matches, parsed as JSON. */
  bodies(method: string, path: RegExp): Record<string, unknown>[];
  comments: { id: number; issue: number; body: string }[];
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  let refusal: number | undefined;
  let nextId = 100;
  const comments: FakeGitHub['comments'] = [];
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = (req: RecordedRequest, res: ServerResponse) => {
    if (refusal) return reply(res, refusal, { message: 'Resource not accessible by integration' });
    const path = new URL(req.url, 'http://x').pathname;
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(path)) {
      return reply(res, 201, { id: nextId++, ...body });
    }
    if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments\/\d+\/statuses$/.test(path)) {
      return reply(res, 201, { id: nextId++, ...body });
    }
    const issueComments = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path);
    if (issueComments) {
      const issue = Number(issueComments[1]);
      if (req.method === 'GET')
        return reply(
          res,
          200,
          comments.filter((c) => c.issue === issue),
        );
      if (req.method === 'POST') {
        const comment = { id: nextId++, issue, body: String(body.body) };
        comments.push(comment);
        return reply(res, 201, comment);
      }
    }
    const oneComment = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path);
    if (req.method === 'PATCH' && oneComment) {
      const comment = comments.find((c) => c.id === Number(oneComment[1]));
      if (!comment) return reply(res, 404, { message: 'Not Found' });
      comment.body = String(body.body);
      return reply(res, 200, comment);
    }
    reply(res, 404, { message: 'Not Found' });
  };
  const server = await startLocalServer(handle);
  return {
    ...server,
    comments,
    refuse: (status) => {
      refusal = status;
    },
    bodies: (method, path) =>
      server.requests
        .filter((r) => r.method === method && path.test(new URL(r.url, 'http://x').pathname))
        .map((r) => JSON.parse(r.body) as Record<string, unknown>),
  };
}
