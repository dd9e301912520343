import { findDangers } from './dangers.ts';
import type {
  ChangeOp,
  ChangeSummary,
  Json,
  PropertyChange,
  RecordedResource,
  ResourceChange,
  StackSnapshot,
} from './model.ts';
import { forcesReplacement, pathWithin } from './rules.ts';
import { canonicalJson, isPlainObject, isSecretMarker, maskSecrets } from './secrets.ts';

/** Pulumi's property path syntax: `a.b`, `a[0]`, `tags["ferry:app"]`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

const same = (a: Json, b: Json) => canonicalJson(a) === canonicalJson(b);

function change(path: string, before: Json, after: Json): PropertyChange {
  const kind = before === undefined ? 'add' : after === undefined ? 'delete' : 'update';
  return {
    path,
    kind,
    ...(before === undefined ? {} : { before: maskSecrets(before) }),
    ...(after === undefined ? {} : { after: maskSecrets(after) }),
  };
}

/** A string holding a JSON object or array (IAM policies, container definitions) is diffed as that JSON. */
function parseJsonText(value: Json): Json {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return undefined;
  try {
    const parsed = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every leaf that differs between two JSON values, with its path. Secrets compare
 * by their sealed digest and always show as `[secret]`.
 */
export function diffValues(before: Json, after: Json, path = ''): PropertyChange[] {
  if (same(before, after)) return [];
  if (before === undefined || after === undefined || isSecretMarker(before) || isSecretMarker(after)) {
    return [change(path, before, after)];
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], joinPath(path, k)));
  }
  if (Array.isArray(before) && Array.isArray(after)) return diffArrays(before, after, path);
  const parsedBefore = parseJsonText(before);
  const parsedAfter = parseJsonText(after);
  if (parsedBefore !== undefined && parsedAfter !== undefined)
    return diffValues(parsedBefore, parsedAfter, path);
  return [change(path, before, after)];
}

/**
 * Aligns the two arrays on their longest common subsequence, so that inserting one
 * element reports one addition instead of a change at every later index.
 */
function diffArrays(before: Json[], after: Json[], path: string): PropertyChange[] {
  const n = before.length;
  const m = after.length;
  if (n * m > 250_000) {
    const changes: PropertyChange[] = [];
    for (let i = 0; i < Math.max(n, m); i++)
      changes.push(...diffValues(before[i], after[i], joinPath(path, i)));
    return changes;
  }
  const a = before.map(canonicalJson);
  const b = after.map(canonicalJson);
  // lcs[i][j]: length of the common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);

  const changes: PropertyChange[] = [];
  let removed: number[] = [];
  let added: number[] = [];
  // An element removed where another was added is one element that changed: diff it in depth.
  const flush = () => {
    const pairs = Math.min(removed.length, added.length);
    for (let k = 0; k < pairs; k++)
      changes.push(...diffValues(before[removed[k]!], after[added[k]!], joinPath(path, added[k]!)));
    for (const i of removed.slice(pairs)) changes.push(change(joinPath(path, i), before[i], undefined));
    for (const j of added.slice(pairs)) changes.push(change(joinPath(path, j), undefined, after[j]));
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      removed.push(i++);
    } else {
      added.push(j++);
    }
  }
  flush();
  return changes;
}

const OP_ORDER: Record<ChangeOp, number> = { replace: 0, delete: 1, create: 2, update: 3 };

/** Changes with a danger first, then warnings, then by operation and URN. */
export function sortChanges(changes: ResourceChange[]): ResourceChange[] {
  const weight = (c: ResourceChange) =>
    c.dangers.some((d) => d.level === 'danger') ? 0 : c.dangers.length > 0 ? 1 : 2;
  return [...changes].sort(
    (x, y) => weight(x) - weight(y) || OP_ORDER[x.op] - OP_ORDER[y.op] || x.urn.localeCompare(y.urn),
  );
}

export function summarize(changes: readonly ResourceChange[], same: number): ChangeSummary {
  const summary: ChangeSummary = { create: 0, update: 0, replace: 0, delete: 0, same };
  for (const c of changes) summary[c.op]++;
  return summary;
}

const ignoredBy = (ignoreChanges: readonly string[] | undefined) => (p: PropertyChange) =>
  (ignoreChanges ?? []).some((ignored) => pathWithin(p.path, ignored));

/** Created resources list their inputs one property each, like `pulumi preview` does. */
function creation(resource: RecordedResource): PropertyChange[] {
  return Object.keys(resource.inputs)
    .sort()
    .map((k) => change(joinPath('', k), undefined, resource.inputs[k]));
}

/**
 * The intent diff: what `pulumi up` would do to go from the resources the `before`
 * program declared to the ones the `after` program declares. Component resources
 * own nothing in AWS and are left out; their children carry the changes.
 */
export function diffResources(
  before: readonly RecordedResource[],
  after: readonly RecordedResource[],
): { changes: ResourceChange[]; summary: ChangeSummary } {
  const old = new Map(before.filter((r) => r.custom).map((r) => [r.urn, r]));
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  for (const next of after.filter((r) => r.custom)) {
    const prev = old.get(next.urn);
    old.delete(next.urn);
    if (!prev) {
      const properties = creation(next);
      changes.push({
        op: 'create',
        urn: next.urn,
        type: next.type,
        name: next.name,
        properties,
        dangers: findDangers({ op: 'create', type: next.type, name: next.name, after: next, properties: [] }),
      });
      continue;
    }
    // Pulumi skips what ignoreChanges names when it updates; it does not skip it when the resource is new.
    const properties = diffValues(prev.inputs, next.inputs).filter(
      (p) => !ignoredBy(next.options.ignoreChanges)(p),
    );
    for (const p of properties) {
      if (forcesReplacement(next.type, p.path, next.options.replaceOnChanges)) p.replaces = true;
    }
    const options = diffValues(prev.options, next.options);
    if (properties.length === 0 && options.length === 0) {
      unchanged++;
      continue;
    }
    const op: ChangeOp = properties.some((p) => p.replaces) ? 'replace' : 'update';
    changes.push({
      op,
      urn: next.urn,
      type: next.type,
      name: next.name,
      properties,
      ...(options.length > 0 ? { options } : {}),
      dangers: findDangers({ op, type: next.type, name: next.name, before: prev, after: next, properties }),
    });
  }
  for (const gone of old.values()) {
    changes.push({
      op: 'delete',
      urn: gone.urn,
      type: gone.type,
      name: gone.name,
      properties: [],
      dangers: findDangers({ op: 'delete', type: gone.type, name: gone.name, before: gone, properties: [] }),
    });
  }
  return { changes: sortChanges(changes), summary: summarize(changes, unchanged) };
}

/** Diffs two whole program runs: resources, stack configuration and stack outputs. */
export function diffSnapshots(
  before: StackSnapshot | undefined,
  after: StackSnapshot,
): {
  changes: ResourceChange[];
  summary: ChangeSummary;
  config: PropertyChange[];
  outputs: PropertyChange[];
} {
  const { changes, summary } = diffResources(before?.resources ?? [], after.resources);
  const config = Object.keys({ ...before?.config, ...after.config })
    .sort()
    .flatMap((key) => {
      const b = before?.config[key];
      const a = after.config[key];
      return same(b, a) ? [] : [change(key, b, a)];
    });
  const outputs = diffValues(before?.outputs ?? {}, after.outputs);
  return { changes, summary, config, outputs };
}
