import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { type MockAccount, mockCall, mockResourceState } from './mock-aws.ts';
import type { Json, RecordedResource, ResourceOptions, StackSnapshot } from './model.ts';
import { sealSecrets, secretMarker } from './secrets.ts';
import { parseProjectFile, parseStackConfig } from './stack-config.ts';

/**
 * Runs a Pulumi program under mocks and records what it declares. Pulumi keeps its
 * runtime state per process, so this runs once per process (offline-runner.ts).
 */
export interface RunRequest {
  /** The Pulumi project directory (holds Pulumi.yaml). */
  stacksDir: string;
  stack: string;
  /** Seals secrets (secrets.ts); the same for both runs of one preview. */
  key: string;
  account?: MockAccount;
  /** Where packages the program's own directory cannot find resolve from (the working tree's project). */
  resolveFrom?: string;
  /** Stack config values that replace the stack file's (project-qualified keys). */
  config?: Record<string, string>;
}

/** Thrown for a problem with the user's stack files or program rather than with ferry. */
export class ProgramError extends Error {
  override readonly name = 'ProgramError';
}

type Options = pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;

function pickOptions(opts: Options, inherited: ResourceOptions | undefined): ResourceOptions {
  const picked: ResourceOptions = {};
  // Children inherit these from their parent unless they set them.
  const protect = opts.protect ?? inherited?.protect;
  const retainOnDelete = opts.retainOnDelete ?? inherited?.retainOnDelete;
  if (protect !== undefined) picked.protect = protect;
  if (retainOnDelete !== undefined) picked.retainOnDelete = retainOnDelete;
  if (opts.ignoreChanges?.length) picked.ignoreChanges = [...opts.ignoreChanges];
  if (opts.replaceOnChanges?.length) picked.replaceOnChanges = [...opts.replaceOnChanges];
  if (opts.deleteBeforeReplace !== undefined) picked.deleteBeforeReplace = opts.deleteBeforeReplace;
  return picked;
}

/** The program's error, pointing at the first line of the stack files it came from. */
export function programError(err: unknown, stacksDir: string): ProgramError {
  if (err instanceof ProgramError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const base = pathToFileURL(stacksDir).href.replace(/\/?$/, '/');
  const frame = (err instanceof Error ? (err.stack ?? '') : '')
    .split('\n')
    .map((line) => line.match(/(file:\/\/[^\s)]+?):(\d+):\d+/))
    .find((m) => m?.[1]?.startsWith(base));
  const where = frame ? ` (at ${frame[1]!.slice(base.length)}:${frame[2]})` : '';
  return new ProgramError(`${message.split('\n')[0]}${where}`);
}

const settle = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

export async function runProgram(request: RunRequest): Promise<StackSnapshot> {
  const { stacksDir, stack, key } = request;
  const read = (file: string) => {
    const path = join(stacksDir, file);
    if (!existsSync(path)) throw new ProgramError(`${path} does not exist`);
    return readFileSync(path, 'utf8');
  };
  let project: ReturnType<typeof parseProjectFile>;
  let config: ReturnType<typeof parseStackConfig>;
  try {
    project = parseProjectFile(read('Pulumi.yaml'));
    config = parseStackConfig(read(`Pulumi.${stack}.yaml`), `Pulumi.${stack}.yaml`);
  } catch (err) {
    throw err instanceof ProgramError ? err : new ProgramError((err as Error).message);
  }
  const account: MockAccount = request.account ?? {
    accountId: '123456789012',
    region: config.values['aws:region'] ?? 'us-east-1',
  };

  interface Declared {
    urn: string;
    qualifiedType: string;
    parent?: string;
    options: ResourceOptions;
  }
  const declared = new Map<string, Declared>();
  const byResource = new WeakMap<pulumi.Resource, Declared>();
  const resources: RecordedResource[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const custom = args.custom ?? true;
        const seen = declared.get(`${args.type}::${args.name}`);
        // The runtime's default providers are plumbing, not part of the program.
        if (args.type === 'pulumi:pulumi:Stack' || (!seen && args.type.startsWith('pulumi:providers:'))) {
          return { id: custom ? `${args.name}-id` : undefined, state: {} };
        }
        if (!custom) {
          resources.push(recorded(args.type, args.name, seen, false, {}));
          return { id: undefined, state: {} };
        }
        const inputs = args.inputs as Record<string, Json>;
        resources.push(recorded(args.type, args.name, seen, true, sealSecrets(inputs, key)));
        return mockResourceState(args.type, args.name, inputs, account);
      },
      call(args) {
        return mockCall(args.token, args.inputs as Record<string, Json>, account);
      },
    },
    project.name,
    stack,
    false,
  );

  function recorded(
    type: string,
    name: string,
    seen: Declared | undefined,
    custom: boolean,
    inputs: Record<string, Json>,
  ): RecordedResource {
    return {
      urn: seen?.urn ?? `urn:pulumi:${stack}::${project.name}::${type}::${name}`,
      type,
      name,
      ...(seen?.parent ? { parent: seen.parent } : {}),
      custom,
      inputs,
      options: seen?.options ?? {},
    };
  }

  Object.assign(config.values, request.config ?? {});
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
  const program = pathToFileURL(join(stacksDir, project.main)).href;
  // The stack's own outputs come back unwrapped; the module's exports still say which are secret.
  let exported: Record<string, unknown> = {};
  const outputs: Record<string, Json> = {};
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((t) => {
        const parent = t.opts.parent ? byResource.get(t.opts.parent) : undefined;
        const qualifiedType = parent ? `${parent.qualifiedType}$${t.type}` : t.type;
        const entry: Declared = {
          urn: `urn:pulumi:${stack}::${project.name}::${qualifiedType}::${t.name}`,
          qualifiedType,
          ...(parent ? { parent: parent.urn } : {}),
          options: pickOptions(t.opts as Options, parent?.options),
        };
        byResource.set(t.resource, entry);
        declared.set(`${t.type}::${t.name}`, entry);
        return undefined;
      });
      exported = { ...(await import(program)) };
      return exported;
    });
    for (const [name, value] of Object.entries(exported)) {
      const output = pulumi.output(value);
      const secret = await pulumi.isSecret(output);
      const plain = await settle(output);
      outputs[name] = secret ? secretMarker(plain, key) : sealSecrets(plain, key);
    }
    // Every registration has to reach the mocks before the resource list is complete.
    await pulumi.runtime.disconnect();
  } catch (err) {
    throw programError(err, stacksDir);
  }

  const configOut: Record<string, Json> = {};
  for (const [k, v] of Object.entries(config.values)) {
    configOut[k] = config.secretKeys.includes(k) ? secretMarker(v, key) : v;
  }
  return { project: project.name, stack, config: configOut, resources, outputs };
}
