import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoadBalancer } from '../../../src/aws/elbv2.ts';
import { createLogReader } from '../../../src/aws/logs.ts';
import { createIdentity } from '../../../src/aws/sts.ts';

const elbMock = mockClient(ElasticLoadBalancingV2Client);
const logsMock = mockClient(CloudWatchLogsClient);
const stsMock = mockClient(STSClient);

afterEach(() => {
  elbMock.reset();
  logsMock.reset();
  stsMock.reset();
});

describe('ELBv2 target health', () => {
  it('maps each target with its state and reason', async () => {
    elbMock.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: '10.0.1.5', Port: 8080 }, TargetHealth: { State: 'healthy' } },
        {
          Target: { Id: '10.0.1.6', Port: 8080 },
          TargetHealth: {
            State: 'unhealthy',
            Reason: 'Target.ResponseCodeMismatch',
            Description: 'Health checks failed with these codes: [500]',
          },
        },
      ],
    });
    const lb = createLoadBalancer(() => new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }));
    expect(await lb.targetHealth('arn:tg')).toEqual([
      { id: '10.0.1.5', port: 8080, state: 'healthy' },
      {
        id: '10.0.1.6',
        port: 8080,
        state: 'unhealthy',
        reason: 'Target.ResponseCodeMismatch',
        description: 'Health checks failed with these codes: [500]',
      },
    ]);
    expect(elbMock.commandCalls(DescribeTargetHealthCommand)[0]?.args[0].input).toEqual({
      TargetGroupArn: 'arn:tg',
    });
  });
});

describe('CloudWatch Logs reader', () => {
  const logs = createLogReader(() => new CloudWatchLogsClient({ region: 'eu-west-1' }));

  it('reads from the head and hands back the forward token for the next read', async () => {
    logsMock
      .on(GetLogEventsCommand, { nextToken: undefined })
      .resolves({ events: [{ timestamp: 1_700_000_000_000, message: 'migrating' }], nextForwardToken: 'f/1' })
      .on(GetLogEventsCommand, { nextToken: 'f/1' })
      .resolves({ events: [{ timestamp: 1_700_000_001_000, message: 'done' }], nextForwardToken: 'f/2' });
    const first = await logs.readStream('/ecs/shop', 'web/web/123');
    expect(first).toEqual({
      events: [{ timestamp: new Date(1_700_000_000_000), message: 'migrating' }],
      nextToken: 'f/1',
    });
    const second = await logs.readStream('/ecs/shop', 'web/web/123', first.nextToken);
    expect(second.events.map((e) => e.message)).toEqual(['done']);
    expect(logsMock.commandCalls(GetLogEventsCommand)[0]?.args[0].input).toEqual({
      logGroupName: '/ecs/shop',
      logStreamName: 'web/web/123',
      startFromHead: true,
    });
  });

  it('answers empty while the stream does not exist yet, keeping the token', async () => {
    logsMock
      .on(GetLogEventsCommand)
      .rejects(new ResourceNotFoundException({ message: 'no stream', $metadata: {} }));
    expect(await logs.readStream('/ecs/shop', 'web/web/123')).toEqual({ events: [] });
    expect(await logs.readStream('/ecs/shop', 'web/web/123', 'f/1')).toEqual({
      events: [],
      nextToken: 'f/1',
    });
  });
});

describe('STS identity', () => {
  it('answers the account and ARN, asking STS once per run', async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '111111111111', Arn: 'arn:aws:sts::111111111111:assumed-role/deploy/ferry' });
    const identity = createIdentity(() => new STSClient({ region: 'eu-west-1' }));
    expect(await identity.whoAmI()).toEqual({
      account: '111111111111',
      arn: 'arn:aws:sts::111111111111:assumed-role/deploy/ferry',
    });
    await identity.whoAmI();
    expect(stsMock.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('does not remember a failed lookup', async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .rejectsOnce(new Error('network'))
      .resolves({ Account: '1', Arn: 'a' });
    const identity = createIdentity(() => new STSClient({ region: 'eu-west-1' }));
    await expect(identity.whoAmI()).rejects.toThrow('network');
    expect(await identity.whoAmI()).toEqual({ account: '1', arn: 'a' });
  });
});
