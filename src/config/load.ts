import { readFile } from 'node:fs/promises';
import { usageError } from '../errors.ts';
import { schemaError } from './issues.ts';
import { type Descriptor, descriptorSchema, type FerryConfig, ferryConfigSchema } from './schema.ts';

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw usageError(`${what} ${path} does not exist; create it or pass --config FILE`);
    throw usageError(`${what} ${path} cannot be read (${code ?? String(err)})`);
  }
  return parseJsonText(text, `${what} ${path}`);
}

export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
}

export function parseConfig(value: unknown, source = 'ferry.config.json'): FerryConfig {
  const result = ferryConfigSchema.safeParse(value);
  if (!result.success) throw schemaError(source, result.error.issues);
  return result.data;
}

export function parseDescriptor(value: unknown, source: string): Descriptor {
  const result = descriptorSchema.safeParse(value);
  if (!result.success) throw schemaError(source, result.error.issues);
  return result.data;
}

export async function loadConfig(path: string): Promise<FerryConfig> {
  return parseConfig(await readJsonFile(path, 'config'), path);
}

export async function loadDescriptorFile(path: string): Promise<Descriptor> {
  return parseDescriptor(await readJsonFile(path, 'descriptor'), path);
}
