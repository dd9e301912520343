import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import type { automation } from '@pulumi/pulumi';
import { type FerryError, usageError } from '../errors.ts';
import { findDangers } from './dangers.ts';
import { diffValues, joinPath, sortChanges, summarize } from './diff.ts';
import type {
  ChangeOp,
  Json,
  PreviewReport,
  PropertyChange,
  ResourceChange,
  ResourceOptions,
} from './model.ts';
import { forcesReplacement, topProperty } from './rules.ts';
import { isPlainObject, maskSecrets } from './secrets.ts';

type StepEventMetadata = automation.StepEventMetadata;

/** The part of the Automation API ferry uses; tests put a fake behind it. */
export interface PreviewRunner {
  preview(args: {
    stacksDir: string;
    stack: string;
    /** Called with every `resourcePreEvent`'s metadata. */
    onResource: (step: StepEventMetadata) => void;
  }): Promise<{ changeSummary?: Partial<Record<string, number>> }>;
}

/** Where the `pulumi` binary is: on PATH, in $PULUMI_HOME/bin, or in ~/.pulumi/bin (the installer's default). */
export async function findPulumiCli(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dirs = [
    ...(env.PATH ?? '').split(delimiter).filter(Boolean),
    ...(env.PULUMI_HOME ? [join(env.PULUMI_HOME, 'bin')] : []),
    ...(env.HOME ? [join(env.HOME, '.pulumi', 'bin')] : []),
  ];
  for (const dir of dirs) {
    const candidate = join(dir, 'pulumi');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function missingCliError(env: string): FerryError {
  return usageError(
    `the online preview needs the Pulumi CLI, which is not on PATH or in $PULUMI_HOME/bin (install it: curl -fsSL https://get.pulumi.com | sh, see https://www.pulumi.com/docs/install/); \`ferry preview ${env} --offline\` works without it`,
  );
}

/** The real runner: `LocalWorkspace.selectStack` + `stack.preview` with the CLI found at `cliPath`. */
export function automationRunner(cliPath: string, envVars: Record<string, string> = {}): PreviewRunner {
  return {
    async preview({ stacksDir, stack, onResource }) {
      // Loaded only here: the Automation API is heavy and offline mode never needs it.
      const { LocalWorkspace, PulumiCommand } = (await import('@pulumi/pulumi')).automation;
      const pulumiCommand = await PulumiCommand.get({ root: dirname(dirname(cliPath)) });
      try {
        const selected = await LocalWorkspace.selectStack(
          { stackName: stack, workDir: stacksDir },
          { pulumiCommand, envVars },
        );
        const result = await selected.preview({
          onEvent: (event) => {
            if (event.resourcePreEvent) onResource(event.resourcePreEvent.metadata);
          },
        });
        return { changeSummary: result.changeSummary };
      } catch (err) {
        // CommandError carries the CLI's whole stderr; its first lines say what went wrong.
        const text = err instanceof Error ? err.message : String(err);
        const reason =
          text
            .split('\n')
            .map((l) => l.trim())
            .find((l) => /^error:/i.test(l)) ?? text.split('\n')[0];
        throw usageError(`pulumi preview of ${stack} failed: ${reason}`);
      }
    },
  };
}

/** Splits `a.b[0]["x.y"]` into its keys. */
export function parsePath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const m of path.matchAll(pattern)) {
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[3] !== undefined) keys.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return keys;
}

function valueAt(root: Json, path: string): Json {
  let value = root;
  for (const key of parsePath(path)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, Json>)[key];
  }
  return value;
}

const OPS: Partial<Record<StepEventMetadata['op'], ChangeOp>> = {
  create: 'create',
  import: 'create',
  update: 'update',
  delete: 'delete',
  replace: 'replace',
  'create-replacement': 'replace',
  'delete-replaced': 'replace',
  'import-replacement': 'replace',
};

type StepState = NonNullable<StepEventMetadata['old']>;

const optionsOf = (state: StepState | undefined): ResourceOptions => ({
  ...(state?.protect ? { protect: true } : {}),
  ...(state?.retainOnDelete ? { retainOnDelete: true } : {}),
});

const inputsOf = (state: StepState | undefined): Record<string, Json> =>
  isPlainObject(state?.inputs) ? maskSecrets(state.inputs) : {};

/** One engine step as a change; undefined for steps that change nothing (same, read, refresh). */
export function changeFromStep(step: StepEventMetadata): ResourceChange | undefined {
  const op = OPS[step.op];
  if (!op) return undefined;
  const name = step.urn.split('::').pop() ?? step.urn;
  const before = inputsOf(step.old);
  const after = inputsOf(step.new);
  const replaceKeys = new Set(step.keys ?? []);
  let properties: PropertyChange[];
  if (op === 'create') {
    properties = Object.keys(after)
      .sort()
      .map((k) => ({ path: joinPath('', k), kind: 'add' as const, after: after[k] }));
  } else if (op === 'delete') {
    properties = [];
  } else if (step.detailedDiff && Object.keys(step.detailedDiff).length > 0) {
    const oldOutputs = isPlainObject(step.old?.outputs) ? maskSecrets(step.old.outputs) : {};
    properties = Object.entries(step.detailedDiff).map(([path, diff]) => {
      const kind = diff.diffKind.replace(/-replace$/, '') as PropertyChange['kind'];
      const old = valueAt(before, path) ?? (diff.inputDiff ? undefined : valueAt(oldOutputs, path));
      const next = valueAt(after, path);
      return {
        path,
        kind,
        ...(kind !== 'add' && old !== undefined ? { before: old } : {}),
        ...(kind !== 'delete' && next !== undefined ? { after: next } : {}),
        ...(diff.diffKind.endsWith('-replace') || replaceKeys.has(topProperty(path))
          ? { replaces: true }
          : {}),
      };
    });
  } else {
    properties = (step.diffs ?? []).flatMap((key) => diffValues(before[key], after[key], joinPath('', key)));
    for (const p of properties) if (replaceKeys.has(topProperty(p.path))) p.replaces = true;
  }
  if (op === 'replace' && !properties.some((p) => p.replaces)) {
    for (const p of properties) if (forcesReplacement(step.type, p.path)) p.replaces = true;
  }
  return {
    op,
    urn: step.urn,
    type: step.type,
    name,
    properties,
    dangers: findDangers({
      op,
      type: step.type,
      name,
      ...(step.old ? { before: { inputs: before, options: optionsOf(step.old) } } : {}),
      ...(step.new ? { after: { inputs: after, options: optionsOf(step.new) } } : {}),
      properties,
    }),
  };
}

/**
 * `ferry preview <env>`: Pulumi's own preview of the stack against its real state,
 * reduced to the same report as the offline diff. Secrets show as `[secret]`.
 */
export async function previewOnline(opts: {
  stacksDir: string;
  env: string;
  runner: PreviewRunner;
}): Promise<PreviewReport> {
  const byUrn = new Map<string, ResourceChange>();
  const { changeSummary } = await opts.runner.preview({
    stacksDir: opts.stacksDir,
    stack: opts.env,
    onResource: (step) => {
      const change = changeFromStep(step);
      if (!change) return;
      // A replacement arrives as several steps (create-replacement, replace, delete-replaced): keep the richest.
      const seen = byUrn.get(change.urn);
      if (!seen || change.properties.length > seen.properties.length) byUrn.set(change.urn, change);
    },
  });
  const changes = sortChanges([...byUrn.values()]);
  return {
    env: opts.env,
    mode: 'online',
    summary: summarize(changes, changeSummary?.same ?? 0),
    changes,
    config: [],
    outputs: [],
    notes: [],
  };
}
