// Runs the real stacks/index.ts under Pulumi mocks and records what it creates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { type MockAccount, mockCall, mockResourceState } from '../../src/infra/mock-aws.ts';

export const PROJECT = 'ferry-stacks';
export const STACKS_DIR = fileURLToPath(new URL('../../stacks/', import.meta.url));

/** Awaits an output; every assertion reads values through this so it cannot pass unawaited. */
export const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

// biome-ignore lint/suspicious/noExplicitAny: resource properties are untyped JSON
type Props = Record<string, any>;

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Props;
  state: Props;
  /** The resource options the program passed (seen through a stack transformation). */
  opts: pulumi.CustomResourceOptions;
}

export interface StackRun {
  resources: RecordedResource[];
  calls: { token: string; inputs: Props }[];
  outputs: Props;
  ofType(type: string): RecordedResource[];
  one(type: string): RecordedResource;
}

/**
 * Reads Pulumi.<stack>.yaml. The stack files keep to a flat `config:` map of scalars, so a
 * line parser suffices; anything else fails loudly rather than being misread.
 */
export function loadStackConfig(stack: string, dir = STACKS_DIR): Record<string, string> {
  const text = readFileSync(`${dir}Pulumi.${stack}.yaml`, 'utf8');
  const config: Record<string, string> = {};
  let inConfig = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (line === 'config:') {
      inConfig = true;
      continue;
    }
    const match = /^ {2}([\w-]+:[\w-]+): (.+)$/.exec(line);
    if (!inConfig || !match) throw new Error(`Pulumi.${stack}.yaml: cannot read line ${JSON.stringify(raw)}`);
    const scalar = match[2]!;
    config[match[1]!] = /^".*"$/.test(scalar) ? JSON.parse(scalar) : scalar;
  }
  return config;
}

/**
 * Runs stacks/index.ts as stack `stack` with its Pulumi.<stack>.yaml config plus `overrides`.
 * Call once per module registry (one test file, or after vi.resetModules()).
 * `at` runs another Pulumi project's index.ts instead (a directory ending in `/`).
 */
export async function runStack(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  account: MockAccount = { accountId: '111111111111', region: 'eu-west-1' },
  at: { dir: string; project: string } = { dir: STACKS_DIR, project: PROJECT },
): Promise<StackRun> {
  const resources: RecordedResource[] = [];
  const calls: StackRun['calls'] = [];
  const optsByName = new Map<string, pulumi.CustomResourceOptions>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === 'pulumi:pulumi:Stack' || !args.custom) return { id: undefined, state: {} };
        // The same stand-ins for AWS-computed outputs that `ferry preview --offline` uses.
        const { id, state } = mockResourceState(args.type, args.name, args.inputs, account);
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          state,
          opts: optsByName.get(`${args.type}::${args.name}`) ?? {},
        });
        return { id, state };
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs });
        return mockCall(args.token, args.inputs, account);
      },
    },
    at.project,
    stack,
    false,
  );
  const config = { ...loadStackConfig(stack, at.dir), ...overrides };
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).filter((e): e is [string, string] => e[1] !== undefined)),
  );
  const program = `${at.dir}index.ts`;
  const outputs =
    (await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((t) => {
        optsByName.set(`${t.type}::${t.name}`, t.opts);
        return undefined;
      });
      return { ...(await import(program)) };
    })) ?? {};
  // Let every registration finish against this run's mocks before the next run replaces them.
  await pulumi.runtime.disconnect();
  return {
    resources,
    calls,
    outputs,
    ofType: (type) => resources.filter((r) => r.type === type),
    one(type) {
      const found = resources.filter((r) => r.type === type);
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0]!;
    },
  };
}
