/**
 * The layer boundaries of docs/architecture.md are lint rules (biome.json overrides), so a change that
 * crosses one fails `npm test`. Each case lints a would-be file at its path in a scratch copy of the
 * project's lint configuration, so nothing is written into the repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIOME = join(REPO, 'node_modules/.bin/biome');

function lint(path: string, source: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-boundaries-'));
  try {
    const config = JSON.parse(readFileSync(join(REPO, 'biome.json'), 'utf8')) as Record<string, unknown>;
    delete config.$schema;
    delete config.vcs;
    writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
    const run = spawnSync(BIOME, ['lint', path], { cwd: dir, encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SDK = "import { ECSClient } from '@aws-sdk/client-ecs';\nexport const client = ECSClient;\n";
const ENV = 'export const region = process.env.AWS_REGION;\n';

describe('the repository explains itself', () => {
  it('points no code, test or doc at files outside it (the design notes it grew from live elsewhere)', () => {
    // Spelled in pieces so that this file does not match itself.
    const names = ['DESIGN', 'AWS-NOTES'].map((n) => `${n}.md`);
    const found = spawnSync(
      'git',
      ['grep', '-n', '-I', '-e', names[0]!, '-e', names[1]!, '-e', ['..', 'shared', ''].join('/')],
      {
        cwd: REPO,
        encoding: 'utf8',
      },
    );
    expect(found.stdout).toBe('');
  });
});

describe('layer boundaries', () => {
  it.each([
    ['src/pipeline/x.ts', SDK, 'noRestrictedImports'],
    ['src/cli/commands/x.ts', SDK, 'noRestrictedImports'],
    [
      'src/pipeline/x.ts',
      "import { main } from '../cli/main.ts';\nexport const m = main;\n",
      'noRestrictedImports',
    ],
    ['src/pipeline/x.ts', "import { a } from '../aws/ecs.ts';\nexport const e = a;\n", 'noRestrictedImports'],
    [
      'src/pipeline/x.ts',
      "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      'noRestrictedImports',
    ],
    ['src/pipeline/x.ts', ENV, 'noProcessEnv'],
    ['src/aws/ecs.ts', ENV, 'noProcessEnv'],
  ])('%s may not: %s', (path, source, rule) => {
    const result = lint(path, source);
    expect(result.ok).toBe(false);
    expect(result.output).toContain(rule);
  });

  it.each([
    ['src/aws/x.ts', SDK],
    ['src/aws/clients.ts', ENV],
    ['src/cli/start.ts', ENV],
  ])('%s may: %s', (path, source) => {
    const result = lint(path, source);
    expect(result.output).not.toMatch(/noRestrictedImports|noProcessEnv/);
    expect(result.ok).toBe(true);
  });
});
