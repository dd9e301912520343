import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createParameterStore } from '../../../src/aws/ssm.ts';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1' });
const store = createParameterStore(() => client);

afterEach(() => ssm.reset());

describe('SSM parameter store', () => {
  it('reads a parameter with its version and treats ParameterNotFound as absent', async () => {
    ssm
      .on(GetParameterCommand, { Name: '/ferry/shop/staging/descriptor' })
      .resolves({ Parameter: { Value: '{"a":1}', Version: 7 } })
      .on(GetParameterCommand, { Name: '/missing' })
      .rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }));
    expect(await store.get('/ferry/shop/staging/descriptor')).toEqual({ value: '{"a":1}', version: 7 });
    expect(await store.get('/missing')).toBeUndefined();
  });

  it('creates the lock with Overwrite=false and reports an existing one as false', async () => {
    ssm
      .on(PutParameterCommand)
      .resolvesOnce({ Version: 1 })
      .rejectsOnce(new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata: {} }));
    expect(await store.putIfAbsent('/lock', '{"owner":"a"}')).toBe(true);
    expect(await store.putIfAbsent('/lock', '{"owner":"b"}')).toBe(false);
    const inputs = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ Name: '/lock', Overwrite: false, Type: 'String', Tier: 'Standard' });
  });

  it('does not swallow other errors when creating a parameter', async () => {
    ssm
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(store.putIfAbsent('/lock', 'x')).rejects.toThrow('denied');
  });

  it('overwrites as a String and switches to the Advanced tier above 4 KB', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 12 });
    expect(await store.put('/releases', 'small')).toBe(12);
    await store.put('/releases', 'x'.repeat(4097));
    const inputs = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ Overwrite: true, Type: 'String', Tier: 'Standard', Value: 'small' });
    expect(inputs[1]).toMatchObject({ Overwrite: true, Type: 'String', Tier: 'Advanced' });
  });

  it('counts bytes, not characters, for the 4 KB limit', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    await store.put('/releases', 'é'.repeat(2049)); // 4098 bytes
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.Tier).toBe('Advanced');
  });

  it('deletes, and treats an already deleted parameter as deleted', async () => {
    ssm
      .on(DeleteParameterCommand)
      .resolvesOnce({})
      .rejectsOnce(new ParameterNotFound({ message: 'gone', $metadata: {} }));
    await store.delete('/lock');
    await store.delete('/lock');
    expect(ssm.commandCalls(DeleteParameterCommand, { Name: '/lock' })).toHaveLength(2);
  });

  it('follows NextToken through every page of the history, oldest first', async () => {
    const t = (n: number) => new Date(Date.UTC(2026, 0, n));
    ssm
      .on(GetParameterHistoryCommand, { Name: '/releases', NextToken: undefined })
      .resolves({
        Parameters: [
          { Value: 'r1', Version: 1, LastModifiedDate: t(1) },
          { Value: 'r2', Version: 2, LastModifiedDate: t(2) },
        ],
        NextToken: 'p2',
      })
      .on(GetParameterHistoryCommand, { Name: '/releases', NextToken: 'p2' })
      .resolves({ Parameters: [{ Value: 'r3', Version: 3, LastModifiedDate: t(3) }] });
    const history = await store.history('/releases');
    expect(history).toEqual([
      { value: 'r1', version: 1, lastModified: t(1) },
      { value: 'r2', version: 2, lastModified: t(2) },
      { value: 'r3', version: 3, lastModified: t(3) },
    ]);
    expect(ssm.commandCalls(GetParameterHistoryCommand)).toHaveLength(2);
  });

  it('has an empty history for a parameter never written', async () => {
    ssm.on(GetParameterHistoryCommand).rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }));
    expect(await store.history('/releases')).toEqual([]);
  });
});
