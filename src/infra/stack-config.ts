import { createHash } from 'node:crypto';

/**
 * Reads the two Pulumi files offline mode needs without a YAML library: the
 * project file's `name` and `main`, and a stack file's flat `config:` map
 * (scalars, and `secure:` values, which stay encrypted). Anything richer fails
 * loudly with its line rather than being misread.
 */

export interface ProjectFile {
  name: string;
  /** The program's entry, relative to the project directory. */
  main: string;
}

export interface StackConfig {
  values: Record<string, string>;
  /** Keys whose value is `secure:` ciphertext; the value stands in for it. */
  secretKeys: string[];
}

function scalar(text: string): string {
  const value = text.trim();
  if (/^".*"$/.test(value)) return JSON.parse(value) as string;
  if (/^'.*'$/.test(value)) return value.slice(1, -1).replace(/''/g, "'");
  return value;
}

const stripComment = (line: string) => line.replace(/\s+#.*$/, '').trimEnd();

export function parseProjectFile(text: string): ProjectFile {
  let name: string | undefined;
  let main: string | undefined;
  for (const raw of text.split('\n')) {
    const match = /^(name|main):\s*(.+)$/.exec(stripComment(raw));
    if (match?.[1] === 'name') name = scalar(match[2]!);
    if (match?.[1] === 'main') main = scalar(match[2]!);
  }
  if (!name) throw new Error('Pulumi.yaml has no `name:`');
  return { name, main: main ?? 'index.ts' };
}

export function parseStackConfig(text: string, file = 'stack file'): StackConfig {
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  let inConfig = false;
  let secureKey: string | undefined;
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = stripComment(raw);
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const fail = (): never => {
      throw new Error(
        `${file} line ${index + 1}: offline preview reads flat \`config:\` scalars and \`secure:\` values only, not ${JSON.stringify(raw.trim())}`,
      );
    };
    if (!/^\s/.test(line)) {
      secureKey = undefined;
      inConfig = line === 'config:';
      // Other top-level keys (encryptionsalt, secretsprovider, environment) do not feed the program's config.
      if (!inConfig && !/^[\w-]+:/.test(line)) fail();
      continue;
    }
    if (!inConfig) continue;
    if (secureKey) {
      const secure = /^ {4,}secure:\s*(.+)$/.exec(line) ?? fail();
      // The ciphertext is not the secret, but a changed ciphertext is how a changed secret shows offline.
      const digest = createHash('sha256').update(scalar(secure[1]!)).digest('hex').slice(0, 12);
      values[secureKey] = `[secret ${digest}]`;
      secretKeys.push(secureKey);
      secureKey = undefined;
      continue;
    }
    const entry = /^ {2}([\w.-]+:[\w.-]+):(?:\s+(.+))?$/.exec(line) ?? fail();
    if (entry[2] === undefined) secureKey = entry[1]!;
    else values[entry[1]!] = scalar(entry[2]);
  }
  if (secureKey) throw new Error(`${file}: config key ${secureKey} has no value`);
  return { values, secretKeys };
}
