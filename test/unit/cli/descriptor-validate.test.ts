import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/commands/descriptor.ts';
import { descriptorSchema } from '../../../src/config/schema.ts';
import { FerryError } from '../../../src/errors.ts';
import { runMain } from '../../support/in-process.ts';
import { capture } from './capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'ferry-descriptor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID = {
  version: 1,
  app: 'shop',
  environment: 'staging',
  region: 'eu-west-1',
  accountId: '111111111111',
  cluster: 'shop-staging',
  services: [
    {
      name: 'shop-staging-web',
      container: 'web',
      baseUrl: 'http://shop-staging-123.eu-west-1.elb.amazonaws.com',
      targetGroupArn:
        'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/shop-staging/0123456789abcdef',
    },
  ],
  repository: { name: 'shop-staging', uri: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging' },
  database: { identifier: 'shop-staging', kind: 'instance' },
  taskDefinitionFamily: 'shop-staging-web',
  network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
};

/** Five problems in five places, and one unknown field. */
const BROKEN = {
  ...VALID,
  app: 'Shop',
  accountId: '1234',
  services: [{ ...VALID.services[0], baseUrl: 'ftp://shop.example' }],
  repository: { name: 'shop-staging' },
  network: { ...VALID.network, subnets: [] },
  extra: true,
};

const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('ferry descriptor validate', () => {
  it('accepts a complete descriptor: exit 0', async () => {
    const c = capture(dir);
    expect(await run({ args: ['validate', file('ok.json', VALID)] }, c.ctx)).toBe(0);
    expect(c.stdout()).toContain('a valid environment descriptor');
    expect(c.stdout()).not.toContain('warnings');
    expect(c.stderr()).toBe('');
  });

  it('accepts one without a database (ferry then skips snapshots)', async () => {
    const { database: _, ...noDatabase } = VALID;
    const c = capture(dir);
    expect(await run({ args: ['validate', file('nodb.json', noDatabase)] }, c.ctx)).toBe(0);
  });

  it('lists every problem at once, one line each with its JSON path, and exits 2', async () => {
    const c = capture(dir);
    expect(await run({ args: ['validate', file('broken.json', BROKEN)] }, c.ctx)).toBe(2);
    const lines = c.stderr().trim().split('\n');
    expect(lines.slice(0, -1).sort()).toEqual(
      [
        'app: names use up to 32 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen',
        'accountId: use the 12-digit account id',
        'services.0.baseUrl: use an http(s) URL',
        'repository.uri: missing; add it',
        'network.subnets: Too small: expected array to have >=1 items',
        '(top level): unknown field "extra"; remove it or check its spelling',
      ].sort(),
    );
    expect(lines.at(-1)).toMatch(/^ferry: .*broken\.json: 6 problems/);
  });

  it('with --json, prints one problem event per problem and an aborted result', async () => {
    const c = capture(dir, { json: true });
    expect(await run({ args: ['validate', file('broken2.json', BROKEN)] }, c.ctx)).toBe(2);
    const events = c
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'problem').map((e) => e.path)).toEqual(
      expect.arrayContaining(['app', 'accountId', 'services.0.baseUrl', 'repository.uri', 'network.subnets']),
    );
    expect(events.at(-1)).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2, valid: false });
  });

  it('warns, still exit 0, about values that disagree with each other', async () => {
    const c = capture(dir);
    const odd = {
      ...VALID,
      repository: { name: 'shop-staging', uri: '222222222222.dkr.ecr.us-east-1.amazonaws.com/shop-other' },
      network: { ...VALID.network, securityGroups: ['shop-tasks'] },
    };
    expect(await run({ args: ['validate', file('odd.json', odd)] }, c.ctx)).toBe(0);
    expect(c.stderr().trim().split('\n')).toEqual([
      'warning: repository.uri: is in account 222222222222, but accountId is 111111111111',
      'warning: repository.uri: is in region us-east-1, but region is eu-west-1',
      'warning: repository.uri: names repository "shop-other", but repository.name is "shop-staging"',
      'warning: network.securityGroups.0: "shop-tasks" is not a security group id (sg-...)',
    ]);
    expect(c.stdout()).toContain('(see the warnings above)');
  });

  it('refuses a file that is missing or not JSON, and an unknown action, with exit 2', async () => {
    const attempts = [
      ['validate', join(dir, 'nope.json')],
      ['validate', file('bad.json', '{ not json')],
      ['check', file('ok2.json', VALID)],
    ];
    for (const args of attempts) {
      const err = await run({ args }, capture(dir).ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).exitCode).toBe(2);
    }
  });

  it('is wired into the CLI: `ferry descriptor validate` exits 2 and names each problem', async () => {
    const result = await runMain(['descriptor', 'validate', file('cli.json', BROKEN)], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('services.0.baseUrl: use an http(s) URL');
    expect(result.stderr).toContain('repository.uri: missing; add it');
  });

  it('through the CLI, a missing file or an unknown action is one line naming it, exit 2', async () => {
    const missing = await runMain(['descriptor', 'validate', 'nope.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^ferry: .*nope\.json/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const action = await runMain(['descriptor', 'check', file('cli-ok.json', VALID), '--json'], { cwd: dir });
    expect(action.code).toBe(2);
    expect(action.stderr).toContain('check');
    expect(action.jsonLines().at(-1)).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
  });
});

describe('docs/descriptor.md', () => {
  const doc = readFileSync(new URL('../../../docs/descriptor.md', import.meta.url), 'utf8');

  it('has a complete example that validates', async () => {
    const example = /## A complete example\n\n```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const c = capture(dir);
    expect(await run({ args: ['validate', file('doc.json', example!)] }, c.ctx)).toBe(0);
  });

  it('describes every field of the schema', () => {
    const fields = (shape: Record<string, unknown>, prefix = ''): string[] =>
      Object.entries(shape).flatMap(([key, schema]) => {
        let inner = schema as {
          def?: { innerType?: unknown; element?: unknown; shape?: Record<string, unknown> };
        };
        while (inner.def?.innerType) inner = inner.def.innerType as typeof inner;
        const element = inner.def?.element as typeof inner | undefined;
        const nested = inner.def?.shape ?? element?.def?.shape;
        const path = `${prefix}${key}${element?.def?.shape ? '[]' : ''}`;
        return nested ? fields(nested, `${path}.`) : [path];
      });
    for (const field of fields(descriptorSchema.shape)) expect(doc).toContain(`| \`${field}\` |`);
  });
});
