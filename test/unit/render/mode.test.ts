import { describe, expect, it } from 'vitest';
import { chooseMode } from '../../../src/cli/render/index.ts';
import { readRuntime } from '../../../src/runtime.ts';

describe('chooseMode', () => {
  const cases: [string, { json: boolean; stderrIsTTY: boolean; env: NodeJS.ProcessEnv }, string][] = [
    ['--json wins over a terminal', { json: true, stderrIsTTY: true, env: {} }, 'json'],
    ['--json wins in CI', { json: true, stderrIsTTY: false, env: { CI: 'true' } }, 'json'],
    [
      'a terminal gets the live view',
      { json: false, stderrIsTTY: true, env: { TERM: 'xterm-256color' } },
      'tty',
    ],
    [
      'NO_COLOR keeps the live view (colour is decided apart)',
      { json: false, stderrIsTTY: true, env: { NO_COLOR: '1' } },
      'tty',
    ],
    ['a pipe or file gets plain lines', { json: false, stderrIsTTY: false, env: {} }, 'plain'],
    ['TERM=dumb cannot redraw', { json: false, stderrIsTTY: true, env: { TERM: 'dumb' } }, 'plain'],
    ['CI logs record every redraw', { json: false, stderrIsTTY: true, env: { CI: 'true' } }, 'plain'],
    ['CI=1 counts too', { json: false, stderrIsTTY: true, env: { CI: '1' } }, 'plain'],
    ['CI=false does not', { json: false, stderrIsTTY: true, env: { CI: 'false' } }, 'tty'],
    [
      'GitHub Actions with a pseudo-terminal',
      { json: false, stderrIsTTY: true, env: { GITHUB_ACTIONS: 'true' } },
      'plain',
    ],
  ];
  for (const [name, opts, mode] of cases) {
    it(`${name}: ${mode}`, () => {
      const { env, ...rest } = opts;
      expect(chooseMode({ ...rest, runtime: readRuntime(env) })).toBe(mode);
    });
  }
});

describe('the runtime colour', () => {
  it('follows NO_COLOR, FORCE_COLOR=0 and TERM=dumb', () => {
    const color = (env: NodeJS.ProcessEnv) => readRuntime(env).color;
    expect(color({})).toBe(true);
    expect(color({ NO_COLOR: '1' })).toBe(false);
    expect(color({ NO_COLOR: '' })).toBe(true);
    expect(color({ FORCE_COLOR: '0' })).toBe(false);
    expect(color({ FORCE_COLOR: 'false' })).toBe(false);
    expect(color({ TERM: 'dumb' })).toBe(false);
  });
});
