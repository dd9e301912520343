import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isFerryError } from '../../../src/errors.ts';
import type { StackSnapshot } from '../../../src/infra/model.ts';
import { runProgramInChild } from '../../../src/infra/offline.ts';
import { isSecretMarker } from '../../../src/infra/secrets.ts';

const STACKS = fileURLToPath(new URL('../../../stacks/', import.meta.url));
const run = (stacksDir: string, stack = 'staging') =>
  runProgramInChild({ stacksDir, stack, key: 'k', nodePath: process.execPath, processEnv: process.env });

describe('offline runner on the real stacks', () => {
  let staging: StackSnapshot;
  const only = (type: string) => {
    const found = staging.resources.filter((r) => r.type === type);
    expect(found, type).toHaveLength(1);
    return found[0]!;
  };

  it('records every resource the staging program declares, with URNs, parents and options', async () => {
    staging = await run(STACKS);
    expect(staging).toMatchObject({ project: 'ferry-stacks', stack: 'staging' });
    expect(staging.config['ferry-stacks:dbInstanceClass']).toBe('db.t4g.micro');
    const urns = staging.resources.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);

    const service = only('aws:ecs/service:Service');
    expect(service.urn).toBe(
      'urn:pulumi:staging::ferry-stacks::ferry:stacks:Service$aws:ecs/service:Service::shop-staging-web',
    );
    expect(service.parent).toBe('urn:pulumi:staging::ferry-stacks::ferry:stacks:Service::shop-staging');
    expect(service.options.ignoreChanges).toEqual(['taskDefinition']);
    expect(service.inputs).toMatchObject({ desiredCount: 1, launchType: 'FARGATE' });

    const descriptor = staging.resources.find(
      (r) => r.type === 'aws:ssm/parameter:Parameter' && r.inputs.name === '/ferry/shop/staging/descriptor',
    );
    expect(descriptor, 'the SSM descriptor parameter').toBeDefined();
    expect(JSON.parse(descriptor!.inputs.insecureValue as string)).toMatchObject({
      environment: 'staging',
      cluster: 'shop-staging',
      database: { identifier: 'shop-staging' },
    });

    expect(only('aws:rds/instance:Instance').inputs).toMatchObject({
      engine: 'postgres',
      instanceClass: 'db.t4g.micro',
    });
    expect(staging.resources.some((r) => !r.custom && r.type === 'ferry:stacks:Network')).toBe(true);
    expect(staging.outputs.descriptorParameter).toBe('/ferry/shop/staging/descriptor');
  });
});

describe('offline runner on small programs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-runner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const project = (name: string, program: string, config: string) => {
    const stacksDir = join(dir, name);
    const files: Record<string, string> = {
      'package.json': '{ "type": "module" }\n',
      'Pulumi.yaml': 'name: tiny\nruntime: nodejs\nmain: index.ts\n',
      'Pulumi.dev.yaml': config,
      'index.ts': program,
    };
    mkdirSync(stacksDir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(stacksDir, file), text);
    return stacksDir;
  };

  it('seals secret config and secret inputs, even though the program sees the value', async () => {
    const stacksDir = project(
      'secrets',
      [
        "import * as pulumi from '@pulumi/pulumi';",
        'const config = new pulumi.Config();',
        "new pulumi.CustomResource('tiny:index:Thing', 'thing', { token: config.requireSecret('token'), plain: config.require('plain') });",
        "export const token = config.requireSecret('token');",
      ].join('\n'),
      'config:\n  tiny:plain: visible\n  tiny:token:\n    secure: AAABAGNpcGhlcnRleHQ=\n',
    );
    const snapshot = await run(stacksDir, 'dev');
    const thing = snapshot.resources.find((r) => r.name === 'thing');
    expect(thing?.inputs.plain).toBe('visible');
    expect(isSecretMarker(thing?.inputs.token)).toBe(true);
    expect(isSecretMarker(snapshot.outputs.token)).toBe(true);
    expect(isSecretMarker(snapshot.config['tiny:token'])).toBe(true);
  });

  it("reports a failing program as the user's error (exit 2) with its message", async () => {
    const stacksDir = project(
      'failing',
      "import * as pulumi from '@pulumi/pulumi';\nnew pulumi.Config().require('missing');\n",
      'config:\n  tiny:plain: x\n',
    );
    const err = await run(stacksDir, 'dev').catch((e: unknown) => e);
    expect(isFerryError(err) && err.exitCode).toBe(2);
    expect((err as Error).message).toMatch(/the stack program failed: .*'tiny:missing' \(at index\.ts:2\)/);
  });
});
