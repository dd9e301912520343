/**
 * A stand-in for GitHub Actions' OIDC token endpoint, so that ferry takes its CI path locally:
 * point ACTIONS_ID_TOKEN_REQUEST_URL at `<endpoint>/_sandbox/oidc/token?sub=...` (and any
 * ACTIONS_ID_TOKEN_REQUEST_TOKEN). Tokens are unsigned (the sandbox trusts the claims, as it
 * trusts SigV4 access key ids); their claims have GitHub's shape.
 */
import type { ServerResponse } from 'node:http';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export interface GithubClaims {
  sub: string;
  aud?: string;
  [claim: string]: unknown;
}

/** A JWT with GitHub's claims: `sub` and `aud`, plus `repository`, `ref`, `environment` ... as given. */
export function mintGithubToken(claims: GithubClaims, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = {
    iss: GITHUB_ISSUER,
    aud: 'sts.amazonaws.com',
    iat: nowSeconds,
    nbf: nowSeconds - 5,
    exp: nowSeconds + 300,
    ...claims,
  };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.sandbox`;
}

/** GET /_sandbox/oidc/token?sub=...&audience=...[&claim=value...]: answers `{ value: <jwt> }` like GitHub. */
export function answerTokenRequest(
  query: URLSearchParams,
  authorization: string | undefined,
  res: ServerResponse,
) {
  const sub = query.get('sub');
  if (!authorization?.startsWith('Bearer ') || !sub) {
    res.writeHead(authorization ? 400 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: authorization ? 'sub is required' : 'Bearer token required' }));
    return;
  }
  const claims: GithubClaims = { sub };
  for (const [key, value] of query) {
    if (key === 'audience') claims.aud = value;
    else if (key !== 'api-version') claims[key] = value;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ count: 1, value: mintGithubToken(claims) }));
}
