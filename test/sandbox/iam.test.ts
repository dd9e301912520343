/**
 * The stacks' roles in the sandbox: their trust policies against real GitHub token shapes, the
 * operator setting, and AWS's AccessDenied shapes for calls the role's policy does not allow.
 */

import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintGithubToken } from '../../src/sandbox/oidc-issuer.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const OPERATOR = 'arn:aws:iam::111111111111:user/test';
const STAGING = 'arn:aws:iam::111111111111:role/trusty-staging-deploy';
const PROMOTE_SOURCE = 'arn:aws:iam::111111111111:role/trusty-staging-promote-source';
const PRODUCTION = 'arn:aws:iam::222222222222:role/trusty-production-deploy';

let sandbox: TestSandbox;
let sts: STSClient;
beforeAll(async () => {
  sandbox = await startTestSandbox();
  await sandbox.control.seed({ app: 'trusty', operatorPrincipals: [OPERATOR] });
  sts = new STSClient(sandbox.clientConfig);
});
afterAll(async () => {
  sts?.destroy();
  await sandbox?.stop();
});

/** The claims GitHub puts in a job's token (docs: "About security hardening with OpenID Connect"). */
function githubToken(sub: string, extra: Record<string, unknown> = {}): string {
  const [, repository = 'acme/shop'] = /^repo:([^:]+):/.exec(sub) ?? [];
  return mintGithubToken({
    sub,
    aud: 'sts.amazonaws.com',
    repository: repository.replace(/@\d+/g, ''),
    repository_owner: 'acme',
    repository_owner_id: '1234567',
    repository_id: '987654321',
    actor: 'octocat',
    workflow: 'deploy',
    event_name: 'push',
    ref: 'refs/heads/main',
    ref_type: 'branch',
    run_id: '42',
    ...extra,
  });
}

async function assume(roleArn: string, token: string): Promise<'ok' | string> {
  try {
    await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn,
        RoleSessionName: 'gha-42',
        WebIdentityToken: token,
      }),
    );
    return 'ok';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

const REFUSED = 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity';

describe('deploy role trust policies against GitHub tokens', () => {
  it.each([
    ['a push to main', 'repo:acme/shop:ref:refs/heads/main', STAGING],
    ['a push to main (id subject form)', 'repo:acme@1234567/shop@987654321:ref:refs/heads/main', STAGING],
    ['a job in the production environment', 'repo:acme/shop:environment:production', PRODUCTION],
    ['a production job (id form)', 'repo:acme@1234567/shop@987654321:environment:production', PRODUCTION],
    ['a production job reading staging to promote', 'repo:acme/shop:environment:production', PROMOTE_SOURCE],
  ])('lets %s assume its role', async (_what, sub, role) => {
    expect(await assume(role, githubToken(sub))).toBe('ok');
  });

  it.each([
    ['a pull request', 'repo:acme/shop:pull_request', STAGING],
    ['a pull request', 'repo:acme/shop:pull_request', PRODUCTION],
    ['another branch', 'repo:acme/shop:ref:refs/heads/feature', STAGING],
    ['a fork', 'repo:mallory/shop:ref:refs/heads/main', STAGING],
    ['a fork in the id form', 'repo:mallory@666/shop@777:ref:refs/heads/main', STAGING],
    ['a push to main', 'repo:acme/shop:ref:refs/heads/main', PRODUCTION],
    ['another environment', 'repo:acme/shop:environment:staging', PRODUCTION],
    ['a production job', 'repo:acme/shop:environment:production', STAGING],
    ['a push to main', 'repo:acme/shop:ref:refs/heads/main', PROMOTE_SOURCE],
  ])('refuses %s (%s) on %s', async (_what, sub, role) => {
    expect(await assume(role, githubToken(sub))).toBe(REFUSED);
  });

  it('refuses a token for another audience', async () => {
    const token = githubToken('repo:acme/shop:ref:refs/heads/main', { aud: 'https://github.com/acme' });
    expect(await assume(STAGING, token)).toBe(REFUSED);
  });
});

describe('operators (stack setting operatorPrincipals)', () => {
  const assumeAs = (roleArn: string, sourceIdentity?: string) =>
    sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'ferry-staging-alice',
        ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}),
      }),
    );

  it('lets a listed operator assume the deploy role when it names itself', async () => {
    const out = await assumeAs(STAGING, 'alice');
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.SourceIdentity).toBe('alice');
  });

  it('refuses an operator without a source identity, and any role that does not list operators', async () => {
    await expect(assumeAs(STAGING)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: ${OPERATOR} is not authorized to perform: sts:AssumeRole on resource: ${STAGING}`,
    });
    await expect(assumeAs(PROMOTE_SOURCE, 'alice')).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('calls the role may not make', () => {
  async function stagingClients() {
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: STAGING,
        RoleSessionName: 'gha-42',
        WebIdentityToken: githubToken('repo:acme/shop:ref:refs/heads/main'),
      }),
    );
    const credentials = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    return { ...sandbox.clientConfig, credentials, maxAttempts: 1 };
  }

  it('answers AccessDeniedException in AWS wording over the JSON protocol', async () => {
    const ecs = new ECSClient(await stagingClients());
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'trusty-production', service: 'trusty-production-web' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message:
        'User: arn:aws:sts::111111111111:assumed-role/trusty-staging-deploy/gha-42 is not authorized to perform: ' +
        'ecs:UpdateService on resource: arn:aws:ecs:eu-west-1:111111111111:service/trusty-production/trusty-production-web ' +
        'because no identity-based policy allows the ecs:UpdateService action',
    });
    ecs.destroy();
  });

  it('answers AccessDenied over the query protocol, and lets the static keys through', async () => {
    const rds = new RDSClient(await stagingClients());
    await expect(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'trusty-production' })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining(
        'rds:DescribeDBInstances on resource: arn:aws:rds:eu-west-1:111111111111:db:trusty-production because no identity-based policy allows',
      ),
    });
    rds.destroy();
    const admin = new RDSClient(sandbox.clientConfig);
    const out = await admin.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'trusty-production' }),
    );
    expect(out.DBInstances?.[0]?.DBInstanceIdentifier).toBe('trusty-production');
    admin.destroy();
  });
});

describe('IAM SimulatePrincipalPolicy (what `ferry doctor` asks)', () => {
  /** A signed-looking awsQuery call: the sandbox reads the access key id, not the signature. */
  async function simulate(
    accessKeyId: string,
    form: Record<string, string>,
  ): Promise<{ status: number; body: string }> {
    const res = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261126/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({
        Action: 'SimulatePrincipalPolicy',
        Version: '2010-05-08',
        ...form,
      }).toString(),
    });
    return { status: res.status, body: await res.text() };
  }

  async function stagingKey(): Promise<string> {
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: STAGING,
        RoleSessionName: 'gha-42',
        WebIdentityToken: githubToken('repo:acme/shop:ref:refs/heads/main'),
      }),
    );
    return out.Credentials!.AccessKeyId!;
  }

  const own = 'arn:aws:ecs:eu-west-1:111111111111:service/trusty-staging/trusty-staging-web';
  const other = 'arn:aws:ecs:eu-west-1:111111111111:service/trusty-production/trusty-production-web';

  it('evaluates the role’s own policies for each action and resource', async () => {
    const { status, body } = await simulate(await stagingKey(), {
      PolicySourceArn: STAGING,
      'ActionNames.member.1': 'ecs:UpdateService',
      'ResourceArns.member.1': own,
      'ResourceArns.member.2': other,
    });
    expect(status, body).toBe(200);
    const decisions = [
      ...body.matchAll(/<EvalResourceName>([^<]+)<\/EvalResourceName><EvalDecision>(\w+)</g),
    ].map((m) => [m[1], m[2]]);
    expect(decisions).toEqual([
      [own, 'allowed'],
      [other, 'implicitDeny'],
    ]);
  });

  it('answers a role taken a grant away, and refuses asking about another role', async () => {
    const role = (await sandbox.control.roles()).find((r) => r.arn === STAGING)!;
    const policy = role.inlinePolicies[0]!;
    const statements = policy.document.Statement as { Action: string[] }[];
    await sandbox.control.putRolePolicy(STAGING, policy.name, {
      ...policy.document,
      Statement: statements.map((s) => ({
        ...s,
        Action: s.Action.filter((a) => a !== 'ecs:UpdateService'),
      })) as never,
    });
    try {
      const key = await stagingKey();
      const lacking = await simulate(key, {
        PolicySourceArn: STAGING,
        'ActionNames.member.1': 'ecs:UpdateService',
        'ResourceArns.member.1': own,
      });
      expect(lacking.body).toContain('<EvalDecision>implicitDeny</EvalDecision>');
      const refused = await simulate(key, {
        PolicySourceArn: PRODUCTION,
        'ActionNames.member.1': 'ecs:UpdateService',
      });
      expect(refused.status).toBe(403);
      expect(refused.body).toContain(
        `is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${PRODUCTION} because no identity-based policy allows`,
      );
    } finally {
      await sandbox.control.putRolePolicy(STAGING, policy.name, policy.document);
    }
  });
});
