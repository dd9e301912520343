import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type CredentialsOptions,
  createCredentials as createWithRuntime,
  roleSessionName,
  sanitizeSessionName,
} from '../../../src/aws/credentials.ts';
import { FerryError } from '../../../src/errors.ts';
import { readRuntime } from '../../../src/runtime.ts';
import { type LocalServer, sendJson, startLocalServer } from './local-server.ts';

const stsMock = mockClient(STSClient);
const roleArn = 'arn:aws:iam::222222222222:role/shop-production-deploy';
const start = new Date('2026-11-22T10:00:00Z');
const minutes = (n: number) => new Date(start.getTime() + n * 60_000);

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJlLXNlY3JldA`;
}
const SUB = 'repo:acme/shop:environment:production';
const BEARER = 'runtime-request-token-do-not-print';

/** STS answers each assume with numbered credentials valid for one hour from the test clock. */
function assumedCredentials(counter: { n: number }, now: () => Date) {
  return () => {
    counter.n += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIAASSUMED${counter.n}`,
        SecretAccessKey: `assumed-secret-${counter.n}`,
        SessionToken: `assumed-session-${counter.n}`,
        Expiration: new Date(now().getTime() + 3600_000),
      },
    };
  };
}

afterEach(() => stsMock.reset());

/** The runtime comes from the same environment, as it does at the edge. */
const createCredentials = (options: Omit<CredentialsOptions, 'runtime'>) =>
  createWithRuntime({ ...options, runtime: readRuntime(options.env) });

describe('credentials without a role', () => {
  it('uses static keys from the environment and never calls STS', async () => {
    const provider = createCredentials({
      region: 'eu-west-1',
      env: { AWS_ACCESS_KEY_ID: 'AKIASANDBOX', AWS_SECRET_ACCESS_KEY: 'sandbox-secret' },
    });
    expect(await provider()).toEqual({ accessKeyId: 'AKIASANDBOX', secretAccessKey: 'sandbox-secret' });
    expect(stsMock.calls()).toHaveLength(0);
  });

  it('does not require an id token in GitHub Actions when no role is asked for', () => {
    expect(() => createCredentials({ region: 'eu-west-1', env: { GITHUB_ACTIONS: 'true' } })).not.toThrow();
  });
});

describe('session names', () => {
  it('is ferry-<env>-<run id> in GitHub Actions and ferry-<env>-<user> elsewhere', () => {
    expect(
      roleSessionName(
        'production',
        readRuntime({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '987654', USER: 'runner' }),
      ),
    ).toBe('ferry-production-987654');
    expect(roleSessionName('staging', readRuntime({ USER: 'alice' }))).toBe('ferry-staging-alice');
  });

  it("keeps to STS's character set and 64 characters", () => {
    expect(roleSessionName('staging', readRuntime({ USER: 'jo hn/ü' }))).toBe('ferry-staging-jo-hn--');
    const long = sanitizeSessionName(`ferry-staging-${'x'.repeat(100)}`);
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[\w+=,.@-]+$/);
  });
});

describe('AssumeRole from the default chain', () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIABASE', AWS_SECRET_ACCESS_KEY: 'base-secret-key', USER: 'alice' };

  it('assumes the role with the session name and renews it before it expires', async () => {
    let now = start;
    const counter = { n: 0 };
    stsMock.on(AssumeRoleCommand).callsFake(assumedCredentials(counter, () => now));
    const provider = createCredentials({
      region: 'eu-west-1',
      roleArn,
      env,
      environment: 'staging',
      now: () => now,
    });

    expect((await provider()).accessKeyId).toBe('ASIAASSUMED1');
    expect(stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: roleArn,
      RoleSessionName: 'ferry-staging-alice',
      DurationSeconds: 3600,
      SourceIdentity: 'alice',
    });
    now = minutes(49); // 11 minutes left: still fresh
    expect((await provider()).accessKeyId).toBe('ASIAASSUMED1');
    now = minutes(51); // 9 minutes left: renew
    const renewed = await provider();
    expect(renewed.accessKeyId).toBe('ASIAASSUMED2');
    expect(renewed.expiration).toEqual(new Date(minutes(51).getTime() + 3600_000));
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('shares one AssumeRole between concurrent callers', async () => {
    const counter = { n: 0 };
    stsMock.on(AssumeRoleCommand).callsFake(assumedCredentials(counter, () => start));
    const provider = createCredentials({ region: 'eu-west-1', roleArn, env, now: () => start });
    const all = await Promise.all([provider(), provider(), provider()]);
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(['ASIAASSUMED1']));
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('fails with exit 2 naming the role, the AWS error and the trust policy, without echoing a secret', async () => {
    stsMock.on(AssumeRoleCommand).rejects(
      Object.assign(
        new Error('User AKIABASE with secret base-secret-key is not authorized to perform: sts:AssumeRole'),
        {
          name: 'AccessDenied',
        },
      ),
    );
    const provider = createCredentials({ region: 'eu-west-1', roleArn, env });
    const err = await provider().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    const ferry = err as FerryError;
    expect(ferry.exitCode).toBe(2);
    expect(ferry.message).toContain(roleArn);
    expect(ferry.message).toContain('AccessDenied');
    expect(ferry.hints.join(' ')).toContain('trust policy');
    expect(`${ferry.message} ${ferry.hints.join(' ')}`).not.toContain('base-secret-key');
  });

  it('says which stack setting lets this caller in when the role refuses it', async () => {
    stsMock
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    stsMock.on(GetCallerIdentityCommand).resolves({
      Arn: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Deployers_0123/alice@example.com',
    });
    const provider = createCredentials({ region: 'eu-west-1', roleArn, env, environment: 'production' });
    const err = (await provider().catch((e: unknown) => e)) as FerryError;
    expect(err.hints[0]).toBe(
      "The ferry stacks' deploy roles trust GitHub Actions, and people only when listed: add " +
        '`arn:aws:iam::111111111111:role/AWSReservedSSO_Deployers_0123` to `ferry-stacks:operatorPrincipals` ' +
        '(comma-separated) in stacks/Pulumi.production.yaml, then run `pulumi up`. ferry sends your user name ' +
        'as the source identity that trust requires.',
    );
  });

  it('never calls a given mask outside GitHub Actions, where it would only echo the secret', async () => {
    const counter = { n: 0 };
    stsMock.on(AssumeRoleCommand).callsFake(assumedCredentials(counter, () => start));
    const masked: string[] = [];
    await createCredentials({
      region: 'eu-west-1',
      roleArn,
      env,
      now: () => start,
      mask: (s) => masked.push(s),
    })();
    expect(masked).toEqual([]);
  });

  it('prints nothing to stdout outside GitHub Actions (no ::add-mask:: echo of the secret)', async () => {
    const counter = { n: 0 };
    stsMock.on(AssumeRoleCommand).callsFake(assumedCredentials(counter, () => start));
    const write = vi.spyOn(process.stdout, 'write');
    try {
      await createCredentials({ region: 'eu-west-1', roleArn, env, now: () => start })();
      const written = write.mock.calls.map((c) => String(c[0])).join('');
      expect(written).not.toContain('assumed-secret-1');
    } finally {
      write.mockRestore();
    }
  });
});

describe('GitHub Actions OIDC', () => {
  let server: LocalServer;
  let tokenResponses: Array<{ status: number; body?: unknown }>;
  let issued: string[];

  beforeEach(async () => {
    tokenResponses = [];
    issued = [];
    server = await startLocalServer((_req, res) => {
      const next = tokenResponses.shift() ?? { status: 200 };
      if (next.status !== 200) return sendJson(res, next.status, next.body ?? { message: 'nope' });
      const token = jwt({ sub: SUB, aud: 'sts.amazonaws.com', jti: String(issued.length + 1) });
      issued.push(token);
      sendJson(res, 200, { count: 1, value: token });
    });
  });
  afterEach(() => server.close());

  const actionsEnv = () => ({
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '987654',
    ACTIONS_ID_TOKEN_REQUEST_URL: `${server.url}/_apis/token?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER,
  });

  it('fetches the token with the audience and bearer header, then AssumeRoleWithWebIdentity, masking every secret', async () => {
    const counter = { n: 0 };
    stsMock.on(AssumeRoleWithWebIdentityCommand).callsFake(assumedCredentials(counter, () => start));
    const masked: string[] = [];
    const provider = createCredentials({
      region: 'eu-west-1',
      roleArn,
      env: actionsEnv(),
      environment: 'production',
      now: () => start,
      mask: (s) => masked.push(s),
    });
    const credentials = await provider();

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    const url = new URL(request?.url ?? '', server.url);
    expect(url.pathname).toBe('/_apis/token');
    expect(url.searchParams.get('api-version')).toBe('2.0');
    expect(url.searchParams.get('audience')).toBe('sts.amazonaws.com');
    expect(request?.headers.authorization).toBe(`Bearer ${BEARER}`);

    expect(stsMock.commandCalls(AssumeRoleWithWebIdentityCommand)[0]?.args[0].input).toEqual({
      RoleArn: roleArn,
      RoleSessionName: 'ferry-production-987654',
      WebIdentityToken: issued[0],
      DurationSeconds: 3600,
    });
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAASSUMED1', sessionToken: 'assumed-session-1' });
    expect(masked).toEqual(
      expect.arrayContaining([issued[0], 'ASIAASSUMED1', 'assumed-secret-1', 'assumed-session-1']),
    );
  });

  it('fetches a new token and re-assumes before the one-hour session ends', async () => {
    let now = start;
    const counter = { n: 0 };
    stsMock.on(AssumeRoleWithWebIdentityCommand).callsFake(assumedCredentials(counter, () => now));
    const provider = createCredentials({
      region: 'eu-west-1',
      roleArn,
      env: actionsEnv(),
      now: () => now,
      mask: () => {},
    });
    await provider();
    now = minutes(30);
    await provider();
    expect(server.requests).toHaveLength(1);
    now = minutes(55);
    expect((await provider()).accessKeyId).toBe('ASIAASSUMED2');
    now = minutes(100); // a run well past the first session
    expect((await provider()).accessKeyId).toBe('ASIAASSUMED2');
    now = minutes(106);
    expect((await provider()).accessKeyId).toBe('ASIAASSUMED3');
    expect(server.requests).toHaveLength(3);
    const tokens = stsMock
      .commandCalls(AssumeRoleWithWebIdentityCommand)
      .map((c) => c.args[0].input.WebIdentityToken);
    expect(tokens).toEqual(issued);
    expect(new Set(tokens).size).toBe(3);
  });

  it('keeps the current session while renewal fails and it is still valid, then reports the failure', async () => {
    let now = start;
    const counter = { n: 0 };
    stsMock.on(AssumeRoleWithWebIdentityCommand).callsFake(assumedCredentials(counter, () => now));
    const provider = createCredentials({
      region: 'eu-west-1',
      roleArn,
      env: actionsEnv(),
      now: () => now,
      mask: () => {},
      token: { sleep: async () => {}, attempts: 2 },
    });
    await provider();
    tokenResponses = Array.from({ length: 10 }, () => ({ status: 503 }));
    now = minutes(55);
    expect((await provider()).accessKeyId).toBe('ASIAASSUMED1');
    now = minutes(59.5);
    await expect(provider()).rejects.toThrow(/HTTP 503/);
  });

  it('retries a failing token endpoint with jittered backoff', async () => {
    tokenResponses = [{ status: 503 }, { status: 500 }];
    const counter = { n: 0 };
    stsMock.on(AssumeRoleWithWebIdentityCommand).callsFake(assumedCredentials(counter, () => start));
    const sleeps: number[] = [];
    const provider = createCredentials({
      region: 'eu-west-1',
      roleArn,
      env: actionsEnv(),
      now: () => start,
      mask: () => {},
      token: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, baseDelayMs: 100 },
    });
    expect((await provider()).accessKeyId).toBe('ASIAASSUMED1');
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('does not retry a refused token request, and never prints the request token', async () => {
    tokenResponses = [{ status: 403, body: { message: `bad token ${BEARER}` } }];
    const provider = createCredentials({
      region: 'eu-west-1',
      roleArn,
      env: actionsEnv(),
      mask: () => {},
      token: { sleep: async () => {} },
    });
    const err = (await provider().catch((e: unknown) => e)) as FerryError;
    expect(err).toBeInstanceOf(FerryError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('HTTP 403');
    expect(server.requests).toHaveLength(1);
    expect(`${err.message} ${err.hints.join(' ')}`).not.toContain(BEARER);
  });

  it('with no connection to the token URL: the endpoint is named when it is AWS_ENDPOINT_URL’s host (the sandbox down)', async () => {
    const gone = await startLocalServer(() => {});
    const closed = gone.url;
    await gone.close();
    const failure = async (endpoint: string) => {
      const provider = createCredentials({
        region: 'eu-west-1',
        roleArn,
        env: {
          ...actionsEnv(),
          ACTIONS_ID_TOKEN_REQUEST_URL: `${closed}/_sandbox/oidc/token`,
          AWS_ENDPOINT_URL: endpoint,
        },
        mask: () => {},
        token: { sleep: async () => {} },
      });
      return (await provider().catch((e: unknown) => e)) as FerryError;
    };
    const sandboxDown = await failure(closed);
    expect(sandboxDown.exitCode).toBe(2);
    expect(sandboxDown.message).toBe(
      `nothing answers at AWS_ENDPOINT_URL=${closed}; is \`ferry sandbox\` running? (unset AWS_ENDPOINT_URL to use AWS itself)`,
    );
    // Another host: the token service itself is unreachable, which is GitHub's (or the job's) problem.
    const elsewhere = await failure('http://localhost:1');
    expect(elsewhere.message).toMatch(/^Could not get a GitHub OIDC token: network error/);
  });

  it('explains a refused AssumeRoleWithWebIdentity with the subject the trust policy must allow, and no token', async () => {
    stsMock.on(AssumeRoleWithWebIdentityCommand).callsFake((input: { WebIdentityToken: string }) => {
      throw Object.assign(
        new Error(`Not authorized to perform sts:AssumeRoleWithWebIdentity with ${input.WebIdentityToken}`),
        {
          name: 'AccessDenied',
        },
      );
    });
    const provider = createCredentials({ region: 'eu-west-1', roleArn, env: actionsEnv(), mask: () => {} });
    const err = (await provider().catch((e: unknown) => e)) as FerryError;
    expect(err).toBeInstanceOf(FerryError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(roleArn);
    expect(err.message).toContain('AccessDenied');
    const text = `${err.message} ${err.hints.join(' ')}`;
    expect(text).toContain(SUB);
    expect(text).toContain('trust policy');
    expect(issued).toHaveLength(1);
    expect(text).not.toContain(issued[0]);
    expect(text).not.toContain(BEARER);
  });

  it('fails at once with exit 2 when the job lacks `id-token: write`', () => {
    const attempt = () =>
      createCredentials({
        region: 'eu-west-1',
        roleArn,
        env: { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '1' },
      });
    expect(attempt).toThrow(FerryError);
    try {
      attempt();
    } catch (err) {
      expect((err as FerryError).exitCode).toBe(2);
      expect((err as FerryError).message).toContain('id-token: write');
      expect((err as FerryError).message).toContain(roleArn);
    }
    expect(stsMock.calls()).toHaveLength(0);
  });
});
