import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { automation } from '@pulumi/pulumi';
import { afterAll, describe, expect, it } from 'vitest';
import { runPreview } from '../../../src/cli/commands/preview.ts';
import type { CliContext } from '../../../src/cli/context.ts';
import { isFerryError } from '../../../src/errors.ts';
import { findPulumiCli, type PreviewRunner, parsePath, previewOnline } from '../../../src/infra/online.ts';
import { renderPreviewText } from '../../../src/infra/render.ts';
import { MutationLog } from '../../../src/mutations.ts';
import { readRuntime } from '../../../src/runtime.ts';

type Step = automation.StepEventMetadata;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STACKS = join(ROOT, 'stacks');
const SIG = '4dabf18193072939515e22adb298388d';
const SECRET = '1b47061264138c4ac30d75fd1eb44270';
const PLAINTEXT = 'correct-horse-battery-staple';

const urn = (type: string, name: string) => `urn:pulumi:staging::ferry-stacks::${type}::${name}`;
const state = (type: string, name: string, inputs: Record<string, unknown>) => ({
  type,
  urn: urn(type, name),
  id: name,
  parent: '',
  inputs,
  outputs: inputs,
  provider: '',
});

function step(op: Step['op'], type: string, name: string, extra: Partial<Step> = {}): Step {
  return { op, type, urn: urn(type, name), provider: '', ...extra };
}

const RDS = 'aws:rds/instance:Instance';
const SERVICE = 'aws:ecs/service:Service';
const SSM = 'aws:ssm/parameter:Parameter';
const oldDb = state(RDS, 'shop-staging', {
  engine: 'postgres',
  identifier: 'shop-staging',
  instanceClass: 'db.t4g.micro',
});
const newDb = state(RDS, 'shop-staging', {
  engine: 'postgres',
  identifier: 'shop-staging-2',
  instanceClass: 'db.t4g.micro',
});
const replaceDiff = {
  identifier: { diffKind: 'update-replace', inputDiff: true },
} as unknown as Step['detailedDiff'];

/** What `pulumi preview` reports for: a service scaled up, the database replaced, a parameter with a secret added. */
const STEPS: Step[] = [
  step('same', 'aws:ecs/cluster:Cluster', 'shop-staging'),
  step('update', SERVICE, 'shop-staging-web', {
    old: state(SERVICE, 'shop-staging-web', { desiredCount: 1, name: 'shop-staging-web' }),
    new: state(SERVICE, 'shop-staging-web', { desiredCount: 3, name: 'shop-staging-web' }),
    diffs: ['desiredCount'],
    detailedDiff: {
      desiredCount: { diffKind: 'update', inputDiff: true },
    } as unknown as Step['detailedDiff'],
  }),
  step('create-replacement', RDS, 'shop-staging', {
    old: oldDb,
    new: newDb,
    keys: ['identifier'],
    detailedDiff: replaceDiff,
  }),
  step('replace', RDS, 'shop-staging', {
    old: oldDb,
    new: newDb,
    keys: ['identifier'],
    detailedDiff: replaceDiff,
  }),
  step('delete-replaced', RDS, 'shop-staging', { old: oldDb, new: newDb }),
  step('create', SSM, 'token', {
    new: state(SSM, 'token', {
      name: '/shop/token',
      type: 'SecureString',
      value: { [SIG]: SECRET, plaintext: JSON.stringify(PLAINTEXT) },
    }),
  }),
];

const fakeRunner = (
  steps: Step[] = STEPS,
): PreviewRunner & { calls: { stacksDir: string; stack: string }[] } => {
  const calls: { stacksDir: string; stack: string }[] = [];
  return {
    calls,
    async preview({ stacksDir, stack, onResource }) {
      calls.push({ stacksDir, stack });
      for (const s of steps) onResource(s);
      return { changeSummary: { same: 40, update: 1, replace: 1, create: 1 } };
    },
  };
};

describe('previewOnline', () => {
  it('reduces engine steps to one change per resource, replacements flagged loudly', async () => {
    const report = await previewOnline({ stacksDir: STACKS, env: 'staging', runner: fakeRunner() });
    expect(report.summary).toEqual({ create: 1, update: 1, replace: 1, delete: 0, same: 40 });
    const [first, ...rest] = report.changes;
    expect(first).toMatchObject({
      op: 'replace',
      type: RDS,
      name: 'shop-staging',
      properties: [
        {
          path: 'identifier',
          kind: 'update',
          before: 'shop-staging',
          after: 'shop-staging-2',
          replaces: true,
        },
      ],
      dangers: [{ level: 'danger', code: 'replace-stateful' }],
    });
    expect(rest.map((c) => c.op).sort()).toEqual(['create', 'update']);
    expect(report.changes.find((c) => c.op === 'update')?.properties).toEqual([
      { path: 'desiredCount', kind: 'update', before: 1, after: 3 },
    ]);
  });

  it('flags a plain replacement as a warning even when no property says why', async () => {
    const type = 'aws:lb/targetGroup:TargetGroup';
    const report = await previewOnline({
      stacksDir: STACKS,
      env: 'staging',
      runner: fakeRunner([
        step('replace', type, 'web', { old: state(type, 'web', {}), new: state(type, 'web', {}) }),
      ]),
    });
    expect(report.changes[0]?.dangers).toEqual([
      expect.objectContaining({ level: 'warning', code: 'replace' }),
    ]);
    expect(renderPreviewText(report)).toMatch(/± aws:lb\/targetGroup:TargetGroup web REPLACE/);
  });

  it('never shows a secret value, only [secret]', async () => {
    const report = await previewOnline({ stacksDir: STACKS, env: 'staging', runner: fakeRunner() });
    const text = renderPreviewText(report, { verbose: true });
    expect(text).toContain('value: + "[secret]"');
    expect(text).not.toContain(PLAINTEXT);
    expect(JSON.stringify(report)).not.toContain(PLAINTEXT);
  });
});

describe('parsePath', () => {
  it('splits Pulumi property paths', () => {
    expect(parsePath('a.b[0]["ferry:app"].c')).toEqual(['a', 'b', 0, 'ferry:app', 'c']);
  });
});

const tmp = mkdtempSync(join(tmpdir(), 'ferry-online-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('findPulumiCli', () => {
  const bin = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'pulumi');
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
    return path;
  };

  it('finds pulumi on PATH, then in $PULUMI_HOME/bin', async () => {
    const onPath = bin(join(tmp, 'path'));
    const inHome = bin(join(tmp, 'home', 'bin'));
    expect(await findPulumiCli({ PATH: `${join(tmp, 'empty')}:${join(tmp, 'path')}` })).toBe(onPath);
    expect(await findPulumiCli({ PATH: join(tmp, 'empty'), PULUMI_HOME: join(tmp, 'home') })).toBe(inHome);
  });

  it('finds nothing when no directory has it', async () => {
    expect(await findPulumiCli({ PATH: join(tmp, 'empty'), HOME: join(tmp, 'nohome') })).toBeUndefined();
  });
});

function context(json: boolean, env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { stdout: '', stderr: '' };
  stdout.on('data', (d: Buffer) => {
    out.stdout += d.toString();
  });
  stderr.on('data', (d: Buffer) => {
    out.stderr += d.toString();
  });
  const ctx: CliContext = {
    globals: { config: './ferry.config.json', json, dryRun: false, verbose: false },
    env,
    runtime: readRuntime(env),
    mutations: new MutationLog(),
    cwd: ROOT,
    stdout,
    stderr,
    isTTY: false,
    signal: new AbortController().signal,
  };
  return { ctx, out };
}

describe('ferry preview (online)', () => {
  it('prints the summary line and the changes, and exits 2 for the DANGER (0 with --allow-danger)', async () => {
    const runner = fakeRunner();
    const { ctx, out } = context(false);
    expect(await runPreview({ args: ['staging'] }, ctx, { runner })).toBe(2);
    expect(await runPreview({ args: ['staging'], allowDanger: true }, context(false).ctx, { runner })).toBe(
      0,
    );
    expect(runner.calls[0]).toEqual({ stacksDir: STACKS, stack: 'staging' });
    expect(out.stdout).toMatch(
      /^preview staging \(pulumi preview\): \+1 ~1 -0 \(1 to replace, 1 dangerous\)$/m,
    );
    expect(out.stdout).toContain('desiredCount: 1 → 3');
    expect(out.stdout.indexOf('DANGER')).toBeLessThan(out.stdout.indexOf('Resources:'));
  });

  it('emits one change event per resource and a result with --json', async () => {
    const { ctx, out } = context(true);
    expect(await runPreview({ args: ['staging'], allowDanger: true }, ctx, { runner: fakeRunner() })).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['change', 'change', 'change', 'result']);
    expect(lines[0]).toMatchObject({ op: 'replace', resourceType: RDS, dangers: [{ level: 'danger' }] });
    expect(lines.at(-1)).toMatchObject({
      outcome: 'ok',
      exitCode: 0,
      env: 'staging',
      mode: 'online',
      dangerous: 1,
    });
    expect(out.stdout).not.toContain(PLAINTEXT);
    expect(out.stderr).toContain('preview staging');
  });

  it('without the Pulumi CLI, fails with exit 2 and points at --offline', async () => {
    const { ctx } = context(false, { PATH: join(tmp, 'empty'), HOME: join(tmp, 'nohome') });
    const err = await runPreview({ args: ['staging'] }, ctx, {}).catch((e: unknown) => e);
    expect(isFerryError(err) && err.exitCode).toBe(2);
    expect((err as Error).message).toMatch(/needs the Pulumi CLI/);
    expect((err as Error).message).toContain('ferry preview staging --offline');
    expect((err as Error).message).not.toContain('\n');
  });

  it('rejects an environment without a stack file (exit 2) before looking for the CLI', async () => {
    const { ctx } = context(false);
    let looked = false;
    const findCli = async () => {
      looked = true;
      return undefined;
    };
    const err = await runPreview({ args: ['qa'] }, ctx, { findCli }).catch((e: unknown) => e);
    expect(isFerryError(err) && err.exitCode).toBe(2);
    expect((err as Error).message).toContain('no stacks/Pulumi.qa.yaml');
    expect(looked).toBe(false);
  });
});
