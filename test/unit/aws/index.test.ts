import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsPorts, describeAwsError } from '../../../src/aws/index.ts';
import { FerryError } from '../../../src/errors.ts';
import { MutationLog } from '../../../src/mutations.ts';
import { type LocalServer, sendJson, startLocalServer } from './local-server.ts';

const roleArn = 'arn:aws:iam::111111111111:role/shop-staging-deploy';

const assumeRoleXml = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAASSUMEDKEY</AccessKeyId>
      <SecretAccessKey>assumed-secret</SecretAccessKey>
      <SessionToken>assumed-session-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser><AssumedRoleId>AROA:ferry</AssumedRoleId><Arn>arn:aws:sts::111111111111:assumed-role/shop-staging-deploy/ferry</Arn></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;

/** The access key id a SigV4 request was signed with. */
function signer(authorization: string | string[] | undefined): string | undefined {
  return /Credential=([^/]+)\//.exec(String(authorization ?? ''))?.[1];
}

describe('createAwsPorts against a local endpoint', () => {
  let server: LocalServer;

  beforeEach(async () => {
    server = await startLocalServer((req, res) => {
      const target = req.headers['x-amz-target'];
      if (!target && req.body.includes('Action=AssumeRole')) {
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(assumeRoleXml);
      }
      if (target === 'AmazonSSM.GetParameter')
        return sendJson(res, 200, { Parameter: { Value: '{}', Version: 1 } });
      if (target === 'AmazonSSM.PutParameter') return sendJson(res, 200, { Version: 2 });
      if (target === 'AmazonEC2ContainerRegistry_V20150921.DescribeImages') {
        return sendJson(res, 200, { imageDetails: [{ imageDigest: `sha256:${'d'.repeat(64)}` }] });
      }
      sendJson(res, 400, { __type: 'UnknownOperationException', message: String(target) });
    });
  });
  afterEach(() => server.close());

  it('assumes the role once and signs every service call with the assumed session', async () => {
    const calls: string[] = [];
    const ports = createAwsPorts({
      region: 'eu-west-1',
      roleArn,
      environment: 'staging',
      env: {
        AWS_ENDPOINT_URL: server.url,
        AWS_ACCESS_KEY_ID: 'AKIABASEKEY',
        AWS_SECRET_ACCESS_KEY: 'base-secret',
        USER: 'alice',
      },
      onCall: (service, operation) => calls.push(`${service}.${operation}`),
    });
    expect(server.requests).toHaveLength(0); // building the ports calls nothing

    expect(await ports.parameters.get('/ferry/shop/staging/descriptor')).toEqual({ value: '{}', version: 1 });
    expect(await ports.registry.findImageByTag('shop-staging', 'abc1234')).toEqual({
      digest: `sha256:${'d'.repeat(64)}`,
    });

    const [assume, get, describe] = server.requests;
    expect(assume?.body).toContain('RoleSessionName=ferry-staging-alice');
    expect(signer(assume?.headers.authorization)).toBe('AKIABASEKEY');
    expect(signer(get?.headers.authorization)).toBe('ASIAASSUMEDKEY');
    expect(get?.headers['x-amz-security-token']).toBe('assumed-session-token');
    expect(signer(describe?.headers.authorization)).toBe('ASIAASSUMEDKEY');
    expect(server.requests).toHaveLength(3);
    // GetParameter starts first; signing it is what triggers the AssumeRole.
    expect(calls).toEqual(['SSM.GetParameter', 'STS.AssumeRole', 'ECR.DescribeImages']);
  });

  it('tells the mutation log of every change it sends (a failed one too), and of no read', async () => {
    const mutations = new MutationLog();
    const calls: string[] = [];
    const ports = createAwsPorts({
      region: 'eu-west-1',
      roleArn,
      env: { AWS_ENDPOINT_URL: server.url, AWS_ACCESS_KEY_ID: 'AKIABASEKEY', AWS_SECRET_ACCESS_KEY: 'base' },
      mutations,
      onCall: (service, operation) => calls.push(`${service}.${operation}`),
    });
    await ports.parameters.get('/ferry/shop/staging/descriptor');
    await ports.registry.findImageByTag('shop-staging', 'abc1234');
    expect(mutations.mayHaveChanged).toBe(false);

    await ports.parameters.put('/ferry/shop/staging/lock', '{}');
    await expect(ports.parameters.delete('/ferry/shop/staging/lock')).rejects.toThrow();
    expect(mutations.changes).toEqual(['SSM PutParameter', 'SSM DeleteParameter']);
    // The --verbose hook still sees every call.
    expect(calls).toContain('SSM.GetParameter');
    expect(calls).toContain('SSM.DeleteParameter');
  });

  it('without a role, signs with the static keys of the given environment', async () => {
    const ports = createAwsPorts({
      region: 'eu-west-1',
      env: {
        AWS_ENDPOINT_URL: server.url,
        AWS_ACCESS_KEY_ID: 'AKIASANDBOX',
        AWS_SECRET_ACCESS_KEY: 'sandbox',
      },
    });
    await ports.parameters.get('/x');
    expect(server.requests).toHaveLength(1);
    expect(signer(server.requests[0]?.headers.authorization)).toBe('AKIASANDBOX');
  });
});

describe('createAwsPorts', () => {
  const rdsMock = mockClient(RDSClient);
  afterEach(() => rdsMock.reset());

  it('refuses to start in GitHub Actions without an id token when a role is configured', () => {
    expect(() => createAwsPorts({ region: 'eu-west-1', roleArn, env: { GITHUB_ACTIONS: 'true' } })).toThrow(
      FerryError,
    );
  });

  it('uses the cluster APIs when the descriptor says the database is a cluster', async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Status: 'available' }] });
    const env = { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's' };
    const cluster = createAwsPorts({ region: 'eu-west-1', env, databaseKind: 'cluster' });
    expect(await cluster.database.describeStatus('shop-aurora')).toBe('available');
    expect(rdsMock.commandCalls(DescribeDBClustersCommand)).toHaveLength(1);
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });
});

describe('describeAwsError', () => {
  const err = (name: string, message: string) => Object.assign(new Error(message), { name });

  it('turns credential and permission errors into one line with the fix', () => {
    expect(
      describeAwsError(err('AccessDeniedException', 'not authorized to perform ecs:UpdateService')),
    ).toMatch(/denied.*ecs:UpdateService.*IAM policy/);
    expect(
      describeAwsError(
        err('UnrecognizedClientException', 'The security token included in the request is invalid.'),
      ),
    ).toMatch(/did not recognise the credentials.*AWS_PROFILE/);
    expect(
      describeAwsError(err('ExpiredTokenException', 'The security token included in the request is expired')),
    ).toMatch(/expired.*sso login/);
    expect(
      describeAwsError(err('CredentialsProviderError', 'Could not load credentials from any providers')),
    ).toMatch(/No AWS credentials.*id-token: write/);
  });

  it('says when the endpoint cannot be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeAwsError(refused)).toMatch(/^Could not reach AWS \(ECONNREFUSED: .*AWS_ENDPOINT_URL/);
  });

  it('keeps other errors as code and message on one line', () => {
    expect(describeAwsError(err('ServiceNotFoundException', 'Service not found.\nmore'))).toBe(
      'ServiceNotFoundException: Service not found. more',
    );
    for (const e of [err('AccessDenied', 'x'), err('ExpiredToken', 'y')])
      expect(describeAwsError(e)).not.toContain('\n');
  });
});
