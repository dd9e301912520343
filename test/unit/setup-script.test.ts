import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const setup = readFileSync(fileURLToPath(new URL('../../scripts/setup.sh', import.meta.url)), 'utf8');

/** The npm invocations of the script, whether a line of their own or inside $(...). */
const npmCommands = setup
  .split('\n')
  .filter((line) => !line.trimStart().startsWith('#'))
  .flatMap((line) => [...line.matchAll(/(?:^|\$\(|&&\s*)\s*(npm [^)]*)/g)].map((m) => m[1]!.trim()));

describe('scripts/setup.sh', () => {
  it('finds the npm commands it checks', () => {
    expect(npmCommands.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['npm ci', 'npm exec']);
  });

  // On the machine's older Node, npm warns EBADENGINE (twice per package) before the Node 24 it installs (a dev dependency) takes over.
  it.each(npmCommands)(
    'runs `%s` at loglevel error, so engine warnings are not printed and errors are',
    (cmd) => {
      expect(cmd).toContain('--loglevel=error');
    },
  );

  it('prints no colour codes of its own', () => {
    expect(setup).not.toMatch(/\\(?:e|033|x1b)\[/);
  });
});
