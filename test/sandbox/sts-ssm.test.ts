import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let ssm: SSMClient;
let sts: STSClient;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  await sandbox.control.seed({ app: 'shop', operatorPrincipals: ['arn:aws:iam::111111111111:user/test'] });
  ssm = new SSMClient(sandbox.clientConfig);
  sts = new STSClient(sandbox.clientConfig);
});
afterAll(async () => {
  await sandbox?.stop();
});

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.signature`;
}

describe('STS', () => {
  it('assumes a role and attributes later calls made with the issued keys to that role', async () => {
    const roleArn = 'arn:aws:iam::222222222222:role/shop-production-deploy';
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ferry-test', SourceIdentity: 'alice' }),
    );
    const creds = out.Credentials!;
    expect(creds.AccessKeyId).toMatch(/^ASIA/);
    expect(creds.Expiration!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    const assumed = new STSClient({
      ...sandbox.clientConfig,
      credentials: {
        accessKeyId: creds.AccessKeyId!,
        secretAccessKey: creds.SecretAccessKey!,
        sessionToken: creds.SessionToken!,
      },
    });
    const me = await assumed.send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe('222222222222');
    expect(me.Arn).toBe('arn:aws:sts::222222222222:assumed-role/shop-production-deploy/ferry-test');
    const log = await sandbox.control.requests();
    expect(log.at(-1)).toMatchObject({
      service: 'sts',
      operation: 'GetCallerIdentity',
      caller: roleArn,
      status: 200,
    });
    expect(log.find((r) => r.operation === 'AssumeRole')).toMatchObject({ caller: 'test' });
  });

  it('exchanges a well-formed web identity token without signing and rejects a malformed one', async () => {
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy',
        RoleSessionName: 'gha-123',
        WebIdentityToken: jwt({
          iss: 'https://token.actions.githubusercontent.com',
          sub: 'repo:acme/shop:ref:refs/heads/main',
          aud: 'sts.amazonaws.com',
        }),
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.SubjectFromWebIdentityToken).toBe('repo:acme/shop:ref:refs/heads/main');
    await expect(
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy',
          RoleSessionName: 'gha-123',
          WebIdentityToken: 'not-a-jwt',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
  });

  it('answers GetCallerIdentity for static keys with the default account', async () => {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe('111111111111');
  });
});

describe('SSM', () => {
  it('creates atomically without Overwrite: a second create fails with ParameterAlreadyExists', async () => {
    const name = '/ferry/shop/staging/lock';
    const first = await ssm.send(
      new PutParameterCommand({ Name: name, Value: '{"owner":"a"}', Type: 'String' }),
    );
    expect(first.Version).toBe(1);
    await expect(
      ssm.send(
        new PutParameterCommand({ Name: name, Value: '{"owner":"b"}', Type: 'String', Overwrite: false }),
      ),
    ).rejects.toBeInstanceOf(ParameterAlreadyExists);
    const got = await ssm.send(new GetParameterCommand({ Name: name }));
    expect(got.Parameter).toMatchObject({ Value: '{"owner":"a"}', Version: 1, Type: 'String' });
    expect(got.Parameter!.LastModifiedDate).toBeInstanceOf(Date);
    await ssm.send(new DeleteParameterCommand({ Name: name }));
    await expect(ssm.send(new GetParameterCommand({ Name: name }))).rejects.toBeInstanceOf(ParameterNotFound);
    await expect(ssm.send(new DeleteParameterCommand({ Name: name }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
  });

  it('keeps the last 100 versions in GetParameterHistory, paged by 50', async () => {
    const name = '/ferry/shop/staging/releases';
    for (let i = 1; i <= 105; i++) {
      await ssm.send(
        new PutParameterCommand({ Name: name, Value: `{"n":${i}}`, Type: 'String', Overwrite: true }),
      );
    }
    const versions: number[] = [];
    let token: string | undefined;
    do {
      const page = await ssm.send(
        new GetParameterHistoryCommand({ Name: name, MaxResults: 50, NextToken: token }),
      );
      versions.push(...page.Parameters!.map((p) => p.Version!));
      token = page.NextToken;
    } while (token);
    expect(versions).toHaveLength(100);
    expect(versions[0]).toBe(6);
    expect(versions.at(-1)).toBe(105);
  });

  it('refuses a Standard parameter over 4096 characters and accepts it as Advanced', async () => {
    const big = 'x'.repeat(5000);
    await expect(
      ssm.send(new PutParameterCommand({ Name: '/ferry/big', Value: big, Type: 'String' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const out = await ssm.send(
      new PutParameterCommand({ Name: '/ferry/big', Value: big, Type: 'String', Tier: 'Advanced' }),
    );
    expect(out.Tier).toBe('Advanced');
  });
});
