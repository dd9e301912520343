import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildClient,
  clientConfig,
  endpointFor,
  ferryVersion,
  SERVICE_IDS,
} from '../../../src/aws/clients.ts';
import { type LocalServer, sendJson, startLocalServer } from './local-server.ts';

describe('client configuration', () => {
  it('uses standard retries with 5 attempts by default, the ferry user agent and the region', () => {
    const config = clientConfig('ecs', { region: 'eu-west-1', env: {} });
    expect(config).toMatchObject({
      region: 'eu-west-1',
      retryMode: 'standard',
      maxAttempts: 5,
      customUserAgent: `ferry/${ferryVersion()}`,
    });
    expect(config).not.toHaveProperty('endpoint');
    expect(clientConfig('ecs', { region: 'eu-west-1', env: {}, maxAttempts: 8 }).maxAttempts).toBe(8);
  });

  it('takes the endpoint from AWS_ENDPOINT_URL for every service, a service-specific variable first', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: 'http://127.0.0.1:9999',
    };
    for (const service of Object.keys(SERVICE_IDS) as (keyof typeof SERVICE_IDS)[]) {
      const expected = service === 'elbv2' ? 'http://127.0.0.1:9999' : 'http://127.0.0.1:4566';
      expect(endpointFor(service, env)).toBe(expected);
    }
    expect(endpointFor('logs', { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:1' })).toBe(
      'http://127.0.0.1:1',
    );
    expect(endpointFor('ecs', { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBeUndefined();
    expect(endpointFor('ecs', {})).toBeUndefined();
  });
});

describe('clients against a local endpoint', () => {
  let server: LocalServer;
  let failuresLeft: number;

  beforeEach(async () => {
    failuresLeft = 0;
    server = await startLocalServer((_req, res) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        return sendJson(
          res,
          500,
          { __type: 'InternalServerError', message: 'injected' },
          { 'x-amzn-errortype': 'InternalServerError' },
        );
      }
      sendJson(res, 200, { Parameter: { Name: '/p', Value: 'v', Version: 3 } });
    });
  });
  afterEach(() => server.close());

  const settings = (extra: object = {}) => ({
    region: 'eu-west-1',
    env: { AWS_ENDPOINT_URL: server.url },
    credentials: async () => ({ accessKeyId: 'AKIATEST', secretAccessKey: 'test-secret' }),
    ...extra,
  });

  it('sends to the configured endpoint with the ferry user agent and reports each call to onCall', async () => {
    const calls: string[] = [];
    const ssm = buildClient('ssm', settings({ onCall: (s: string, op: string) => calls.push(`${s}.${op}`) }));
    const out = await ssm.send(new GetParameterCommand({ Name: '/p' }));
    expect(out.Parameter?.Value).toBe('v');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers['x-amz-target']).toBe('AmazonSSM.GetParameter');
    expect(String(server.requests[0]?.headers['user-agent'])).toContain(`ferry/${ferryVersion()}`);
    expect(calls).toEqual(['SSM.GetParameter']);
  });

  it('survives four transient 5xx in a row by default, and reports the operation once', async () => {
    failuresLeft = 4;
    const calls: string[] = [];
    const ssm = buildClient('ssm', settings({ onCall: (s: string, op: string) => calls.push(`${s}.${op}`) }));
    const out = await ssm.send(new GetParameterCommand({ Name: '/p' }));
    expect(out.Parameter?.Version).toBe(3);
    expect(server.requests).toHaveLength(5);
    expect(calls).toEqual(['SSM.GetParameter']);
  });

  it('gives up after maxAttempts', async () => {
    failuresLeft = 10;
    const ssm = buildClient('ssm', settings({ maxAttempts: 2 }));
    await expect(ssm.send(new GetParameterCommand({ Name: '/p' }))).rejects.toMatchObject({
      name: 'InternalServerError',
    });
    expect(server.requests).toHaveLength(2);
  });
});
