import { describe, expect, it } from 'vitest';
import { diffResources, diffSnapshots, diffValues } from '../../../src/infra/diff.ts';
import type { StackSnapshot } from '../../../src/infra/model.ts';
import { secretMarker } from '../../../src/infra/secrets.ts';
import { database, ECR, RDS, resource, SERVICE } from './fixtures.ts';

const KEY = 'test-key';

describe('diffValues', () => {
  it('reports nothing for equal values, whatever their key order', () => {
    expect(diffValues({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('names nested changes with Pulumi property paths', () => {
    const before = {
      networkConfiguration: { subnets: ['a'], assignPublicIp: false },
      tags: { 'ferry:app': 'shop' },
    };
    const after = {
      networkConfiguration: { subnets: ['a'], assignPublicIp: true },
      tags: { 'ferry:app': 'web' },
    };
    expect(diffValues(before, after)).toEqual([
      { path: 'networkConfiguration.assignPublicIp', kind: 'update', before: false, after: true },
      { path: 'tags["ferry:app"]', kind: 'update', before: 'shop', after: 'web' },
    ]);
  });

  it('reports added and deleted properties', () => {
    expect(diffValues({ a: 1, gone: 'x' }, { a: 1, fresh: { b: 2 } })).toEqual([
      { path: 'fresh', kind: 'add', after: { b: 2 } },
      { path: 'gone', kind: 'delete', before: 'x' },
    ]);
  });

  it('reports one element inserted into an array, not a change at every later index', () => {
    expect(diffValues({ list: ['a', 'b', 'c'] }, { list: ['x', 'a', 'b', 'c'] })).toEqual([
      { path: 'list[0]', kind: 'add', after: 'x' },
    ]);
    expect(diffValues({ list: ['a', 'b', 'c'] }, { list: ['a', 'c'] })).toEqual([
      { path: 'list[1]', kind: 'delete', before: 'b' },
    ]);
  });

  it('diffs a changed array element in depth', () => {
    const before = { loadBalancers: [{ containerName: 'web', containerPort: 8080 }] };
    const after = { loadBalancers: [{ containerName: 'web', containerPort: 3000 }] };
    expect(diffValues(before, after)).toEqual([
      { path: 'loadBalancers[0].containerPort', kind: 'update', before: 8080, after: 3000 },
    ]);
  });

  it('diffs JSON held in a string (policies, container definitions) as JSON', () => {
    const before = { policy: JSON.stringify({ Statement: [{ Action: ['ecs:DescribeServices'] }] }) };
    const after = {
      policy: JSON.stringify({ Statement: [{ Action: ['ecs:DescribeServices', 'ecs:UpdateService'] }] }),
    };
    expect(diffValues(before, after)).toEqual([
      { path: 'policy.Statement[0].Action[1]', kind: 'add', after: 'ecs:UpdateService' },
    ]);
  });

  it('compares secrets by their sealed digest and shows them only as [secret]', () => {
    const same = diffValues(
      { password: secretMarker('hunter2', KEY) },
      { password: secretMarker('hunter2', KEY) },
    );
    expect(same).toEqual([]);
    const changed = diffValues(
      { password: secretMarker('hunter2', KEY) },
      { password: secretMarker('hunter3', KEY) },
    );
    expect(changed).toEqual([{ path: 'password', kind: 'update', before: '[secret]', after: '[secret]' }]);
    const added = diffValues({}, { env: [{ name: 'TOKEN', value: secretMarker('s3cr3t', KEY) }] });
    expect(JSON.stringify(added)).not.toContain(secretMarker('s3cr3t', KEY)['@secret']);
    expect(added).toEqual([{ path: 'env', kind: 'add', after: [{ name: 'TOKEN', value: '[secret]' }] }]);
  });
});

describe('diffResources', () => {
  it('classifies created, updated, deleted and unchanged resources', () => {
    const keep = resource('aws:ecs/cluster:Cluster', 'shop-staging', { name: 'shop-staging' });
    const before = [keep, database(), resource(ECR, 'old-repo', { name: 'old-repo' })];
    const after = [
      keep,
      database({ instanceClass: 'db.t4g.small' }),
      resource('aws:cloudwatch/logGroup:LogGroup', 'web', { name: '/ecs/web', retentionInDays: 14 }),
    ];
    const { changes, summary } = diffResources(before, after);
    expect(summary).toEqual({ create: 1, update: 1, replace: 0, delete: 1, same: 1 });
    const byName = Object.fromEntries(changes.map((c) => [c.name, c]));
    expect(byName['shop-staging']).toMatchObject({
      op: 'update',
      type: RDS,
      properties: [{ path: 'instanceClass', kind: 'update', before: 'db.t4g.micro', after: 'db.t4g.small' }],
    });
    expect(byName['old-repo']?.op).toBe('delete');
    expect(byName.web).toMatchObject({
      op: 'create',
      properties: [
        { path: 'name', kind: 'add', after: '/ecs/web' },
        { path: 'retentionInDays', kind: 'add', after: 14 },
      ],
    });
  });

  it('turns an update into a replacement when a replacing property changes, and flags the property', () => {
    const { changes, summary } = diffResources(
      [database()],
      [database({ engine: 'mysql', engineVersion: '8.4' })],
    );
    expect(summary.replace).toBe(1);
    expect(changes[0]?.op).toBe('replace');
    expect(changes[0]?.properties).toEqual([
      { path: 'engine', kind: 'update', before: 'postgres', after: 'mysql', replaces: true },
      { path: 'engineVersion', kind: 'update', before: '17', after: '8.4' },
    ]);
  });

  it('honours replaceOnChanges from the resource options', () => {
    const before = resource('aws:ecs/cluster:Cluster', 'c', { settings: [{ value: 'disabled' }] });
    const after = resource(
      'aws:ecs/cluster:Cluster',
      'c',
      { settings: [{ value: 'enabled' }] },
      { replaceOnChanges: ['settings'] },
    );
    expect(diffResources([before], [after]).changes[0]?.op).toBe('replace');
  });

  it('leaves out changes under ignoreChanges, as pulumi up does', () => {
    const opts = { ignoreChanges: ['taskDefinition'] };
    const before = resource(SERVICE, 'web', { taskDefinition: 'family:1', desiredCount: 1 }, opts);
    const after = resource(SERVICE, 'web', { taskDefinition: 'family:2', desiredCount: 1 }, opts);
    expect(diffResources([before], [after])).toMatchObject({ changes: [], summary: { same: 1 } });
  });

  it('reports resource option changes separately from inputs', () => {
    const before = resource(RDS, 'db', { engine: 'postgres' }, { protect: true });
    const after = resource(RDS, 'db', { engine: 'postgres' });
    const [change] = diffResources([before], [after]).changes;
    expect(change).toMatchObject({
      op: 'update',
      properties: [],
      options: [{ path: 'protect', kind: 'delete', before: true }],
    });
  });

  it('ignores component resources, which own nothing in AWS', () => {
    const component = { ...resource('ferry:stacks:Network', 'net', {}), custom: false };
    expect(diffResources([], [component]).changes).toEqual([]);
  });

  it('puts dangerous changes first', () => {
    const before = [resource('aws:ecs/cluster:Cluster', 'a', { name: 'a' }), database()];
    const after = [resource('aws:ecs/cluster:Cluster', 'a', { name: 'a', tags: { x: '1' } })];
    const { changes } = diffResources(before, after);
    expect(changes.map((c) => c.op)).toEqual(['delete', 'update']);
    expect(changes[0]?.dangers[0]?.level).toBe('danger');
  });
});

describe('diffSnapshots', () => {
  const snapshot = (
    config: Record<string, unknown>,
    outputs: Record<string, unknown> = {},
  ): StackSnapshot => ({
    project: 'p',
    stack: 'staging',
    config,
    resources: [],
    outputs,
  });

  it('reports changed config keys and outputs, secrets masked', () => {
    const before = snapshot(
      { 'p:desiredCount': '1', 'p:token': secretMarker('a', KEY) },
      { url: 'http://a' },
    );
    const after = snapshot({ 'p:desiredCount': '2', 'p:token': secretMarker('b', KEY) }, { url: 'http://a' });
    const diff = diffSnapshots(before, after);
    expect(diff.config).toEqual([
      { path: 'p:desiredCount', kind: 'update', before: '1', after: '2' },
      { path: 'p:token', kind: 'update', before: '[secret]', after: '[secret]' },
    ]);
    expect(diff.outputs).toEqual([]);
  });

  it('treats a missing base as an empty stack: everything is created', () => {
    const after = { ...snapshot({}), resources: [database()] };
    expect(diffSnapshots(undefined, after).summary).toMatchObject({ create: 1, delete: 0 });
  });
});
