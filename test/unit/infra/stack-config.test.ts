import { describe, expect, it } from 'vitest';
import { maskSecrets, sealSecrets } from '../../../src/infra/secrets.ts';
import { parseProjectFile, parseStackConfig } from '../../../src/infra/stack-config.ts';

describe('parseStackConfig', () => {
  it('reads flat scalars, quoted or not, and skips comments', () => {
    const text = [
      '# staging',
      'config:',
      '  aws:region: eu-west-1',
      '  app:githubOwnerId: "1234567"   # quoted so YAML keeps it a string',
      "  app:name: 'it''s'",
      '',
    ].join('\n');
    expect(parseStackConfig(text)).toEqual({
      values: { 'aws:region': 'eu-west-1', 'app:githubOwnerId': '1234567', 'app:name': "it's" },
      secretKeys: [],
    });
  });

  it('replaces a secure value with a stand-in that changes with the ciphertext, and marks the key secret', () => {
    const file = (cipher: string) => `config:\n  app:token:\n    secure: ${cipher}\n  app:x: y\n`;
    const a = parseStackConfig(file('AAABAKx1'));
    expect(a.secretKeys).toEqual(['app:token']);
    expect(a.values['app:token']).toMatch(/^\[secret [0-9a-f]{12}\]$/);
    expect(a.values['app:token']).not.toContain('AAABAKx1');
    expect(parseStackConfig(file('AAABAKx2')).values['app:token']).not.toBe(a.values['app:token']);
  });

  it('reads structured values written by `pulumi config set --path`, as the JSON Pulumi hands programs', () => {
    const text = [
      'config:',
      '  aws:region: eu-west-1',
      '  app:tags:',
      '    team: payments',
      '    cost-center: 42',
      '  app:zones:',
      '    - eu-west-1a',
      '    - eu-west-1b',
      '  app:desiredCount: 2',
      '  app:db:',
      '    password:',
      '      secure: AAABAKx1',
      '',
    ].join('\n');
    const parsed = parseStackConfig(text, 'Pulumi.x.yaml');
    expect(JSON.parse(parsed.values['app:tags']!)).toEqual({ team: 'payments', 'cost-center': '42' });
    expect(JSON.parse(parsed.values['app:zones']!)).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(parsed.values['app:desiredCount']).toBe('2');
    expect(parsed.values['app:db']).not.toContain('AAABAKx1');
    expect(parsed.secretKeys).toEqual(['app:db']);
  });

  it('names the file when the YAML is broken', () => {
    expect(() => parseStackConfig('config:\n  a: [1,\n', 'Pulumi.x.yaml')).toThrow(/Pulumi\.x\.yaml/);
  });

  it('reads the project name and entry point', () => {
    expect(parseProjectFile('name: ferry-stacks\nruntime: nodejs\nmain: index.ts\n')).toEqual({
      name: 'ferry-stacks',
      main: 'index.ts',
    });
  });
});

describe('secrets', () => {
  const SIG = '4dabf18193072939515e22adb298388d';
  const SECRET = '1b47061264138c4ac30d75fd1eb44270';

  it('seals Pulumi secrets so that no plaintext remains, and masks them for display', () => {
    const inputs = { env: [{ name: 'PASSWORD', value: { [SIG]: SECRET, value: 'hunter2' } }], plain: 'ok' };
    const sealed = sealSecrets(inputs, 'k');
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(maskSecrets(sealed)).toEqual({ env: [{ name: 'PASSWORD', value: '[secret]' }], plain: 'ok' });
    expect(sealSecrets(inputs, 'k')).toEqual(sealed);
    expect(sealSecrets(inputs, 'other key')).not.toEqual(sealed);
  });

  it('masks the engine event wire form of a secret', () => {
    expect(maskSecrets({ a: { [SIG]: SECRET, plaintext: '"x"' } })).toEqual({ a: '[secret]' });
  });
});
