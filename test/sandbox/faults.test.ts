import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  await sandbox.control.seed({ app: 'shop', environments: ['staging'] });
});
afterEach(async () => {
  await sandbox.control.clearFaults();
  await sandbox.control.clearRequests();
});
afterAll(async () => {
  await sandbox?.stop();
});

describe('injected faults', () => {
  it('lets the SDK retry through a 30% throttle rate (JSON and Query), and the request log shows the retries', async () => {
    await sandbox.control.setFaults({ throttleRate: 0.3 });
    const ssm = new SSMClient({ ...sandbox.clientConfig, maxAttempts: 10 });
    const rds = new RDSClient({ ...sandbox.clientConfig, maxAttempts: 10 });
    for (let i = 0; i < 10; i++) {
      const p = await ssm.send(new GetParameterCommand({ Name: '/ferry/shop/staging/descriptor' }));
      expect(JSON.parse(p.Parameter!.Value!).app).toBe('shop');
      const db = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'shop-staging' }));
      expect(db.DBInstances![0]!.DBInstanceStatus).toBe('available');
    }
    const log = await sandbox.control.requests();
    const throttled = log.filter((r) => r.status === 400);
    expect(log.filter((r) => r.status === 200)).toHaveLength(20);
    expect(throttled.length).toBeGreaterThan(0);
    expect(log.length).toBe(20 + throttled.length);
  });

  it('answers throttled requests with the error codes the SDK recognises', async () => {
    await sandbox.control.setFaults({ throttleRate: 1 });
    const ssm = new SSMClient({ ...sandbox.clientConfig, maxAttempts: 1 });
    const rds = new RDSClient({ ...sandbox.clientConfig, maxAttempts: 1 });
    await expect(ssm.send(new GetParameterCommand({ Name: '/x' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(rds.send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
  });

  it('fails with 5xx at the error rate, only for the listed operations', async () => {
    await sandbox.control.setFaults({ errorRate: 1, faultOperations: ['DescribeServices'] });
    const ecs = new ECSClient({ ...sandbox.clientConfig, maxAttempts: 2 });
    const err = await ecs
      .send(new DescribeServicesCommand({ cluster: 'shop-staging', services: ['shop-staging-web'] }))
      .catch((e: { $metadata: { httpStatusCode: number; attempts: number } }) => e);
    expect(
      (err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode,
    ).toBeGreaterThanOrEqual(500);
    expect((err as { $metadata: { attempts: number } }).$metadata.attempts).toBe(2);
    const ssm = new SSMClient({ ...sandbox.clientConfig, maxAttempts: 1 });
    await expect(
      ssm.send(new GetParameterCommand({ Name: '/ferry/shop/staging/descriptor' })),
    ).resolves.toBeDefined();
  });

  it('delays responses by latencyMs', async () => {
    await sandbox.control.setFaults({ latencyMs: 300 });
    const ssm = new SSMClient(sandbox.clientConfig);
    const started = Date.now();
    await ssm.send(new GetParameterCommand({ Name: '/ferry/shop/staging/descriptor' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('logs operation, parsed parameters and caller, and rejects invalid faults', async () => {
    const ssm = new SSMClient(sandbox.clientConfig);
    await ssm.send(new GetParameterCommand({ Name: '/ferry/shop/staging/descriptor' }));
    const [entry] = await sandbox.control.requests();
    expect(entry).toMatchObject({
      seq: expect.any(Number),
      service: 'ssm',
      operation: 'GetParameter',
      params: { Name: '/ferry/shop/staging/descriptor' },
      caller: 'test',
      status: 200,
    });
    await expect(sandbox.control.setFaults({ throttleRate: 2 })).rejects.toThrow(/throttleRate/);
  });

  it('stalls the Nth matching call after carrying it out, once', async () => {
    const ssm = new SSMClient({ ...sandbox.clientConfig, maxAttempts: 1 });
    await sandbox.control.setFaults({
      calls: [{ kind: 'stall', operation: 'GetParameter', match: 'descriptor', nth: 2, ms: 400 }],
    });
    const timed = async () => {
      const t = Date.now();
      await ssm.send(new GetParameterCommand({ Name: '/ferry/shop/staging/descriptor' }));
      return Date.now() - t;
    };
    expect(await timed()).toBeLessThan(300);
    expect(await timed()).toBeGreaterThanOrEqual(400);
    expect(await timed()).toBeLessThan(300);
  });

  it('carries out a call with a lost response, then answers 500', async () => {
    const ssm = new SSMClient({ ...sandbox.clientConfig, maxAttempts: 1 });
    await sandbox.control.setFaults({ calls: [{ kind: 'lost-response', operation: 'PutParameter' }] });
    await expect(
      ssm.send(new PutParameterCommand({ Name: '/lost/one', Value: 'v', Type: 'String' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    const stored = await ssm.send(new GetParameterCommand({ Name: '/lost/one' }));
    expect(stored.Parameter?.Value).toBe('v');
  });

  it('accepts a hung call and never answers it', async () => {
    const ssm = new SSMClient({
      ...sandbox.clientConfig,
      maxAttempts: 1,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    await sandbox.control.setFaults({ calls: [{ kind: 'hang', operation: 'GetParameter', times: 0 }] });
    await expect(ssm.send(new GetParameterCommand({ Name: '/x' }))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect((await sandbox.control.requests()).at(-1)).toMatchObject({ operation: 'GetParameter', status: 0 });
  });
});
