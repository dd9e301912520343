import { createHash } from 'node:crypto';
import { parse } from 'yaml';

/**
 * Reads the two Pulumi files offline mode needs: the project file's `name` and
 * `main`, and a stack file's `config:` map with the `yaml` package, including
 * structured values written by `pulumi config set --path` (handed to the
 * program as JSON, as Pulumi does) and `secure:` values, which stay encrypted.
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

export function parseProjectFile(text: string): ProjectFile {
  const doc = parse(text) as { name?: unknown; main?: unknown } | null;
  const name = typeof doc?.name === 'string' ? doc.name : undefined;
  if (!name) throw new Error('Pulumi.yaml has no `name:`');
  return { name, main: typeof doc?.main === 'string' ? doc.main : 'index.ts' };
}

export function parseStackConfig(text: string, file = 'stack file'): StackConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const config = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new Error(`${file}: \`config:\` must be a map of keys to values`);
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(config as Record<string, unknown>)) {
    if (raw === null || raw === undefined) throw new Error(`${file}: config key ${key} has no value`);
    let secret = false;
    const value = sealSecure(raw, () => {
      secret = true;
    });
    // Pulumi hands structured values (`pulumi config set --path`) to programs as JSON text.
    values[key] = typeof value === 'string' ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  return { values, secretKeys };
}

/**
 * Replaces each `secure:` value (top-level or nested in structured config)
 * with a stand-in: the ciphertext is not the secret, but a changed ciphertext
 * is how a changed secret shows offline.
 */
function sealSecure(value: unknown, found: () => void): unknown {
  if (Array.isArray(value)) return value.map((v) => sealSecure(v, found));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && entries[0]![0] === 'secure' && typeof entries[0]![1] === 'string') {
      found();
      return `[secret ${createHash('sha256').update(entries[0]![1]).digest('hex').slice(0, 12)}]`;
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, sealSecure(v, found)]));
  }
  return typeof value === 'string' ? value : String(value);
}
