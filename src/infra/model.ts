/**
 * The shapes of an infrastructure preview, shared by the offline intent diff and
 * the online (Pulumi Automation API) preview so both render the same way.
 */

// biome-ignore lint/suspicious/noExplicitAny: resource properties are untyped JSON
export type Json = any;

/** Resource options that change what `pulumi up` may do to a resource. */
export interface ResourceOptions {
  protect?: boolean;
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
  retainOnDelete?: boolean;
  replaceOnChanges?: string[];
}

/** One resource as the stack program declared it (offline mode records these under mocks). */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** The parent's URN; absent for resources directly under the stack. */
  parent?: string;
  /** False for component resources, which own no cloud object. */
  custom: boolean;
  inputs: Record<string, Json>;
  options: ResourceOptions;
}

/** Everything one run of the stack program declared. */
export interface StackSnapshot {
  project: string;
  stack: string;
  /** The stack's configuration, secure values replaced by a secret marker. */
  config: Record<string, Json>;
  resources: RecordedResource[];
  outputs: Record<string, Json>;
}

export type ChangeOp = 'create' | 'update' | 'replace' | 'delete';

/** One changed property. `path` is Pulumi's property path syntax: `a.b[0].c`. */
export interface PropertyChange {
  path: string;
  kind: 'add' | 'update' | 'delete';
  before?: Json;
  after?: Json;
  /** Changing this property makes the provider replace the resource. */
  replaces?: boolean;
}

export type DangerLevel = 'danger' | 'warning';

/** Something a reviewer must look at before `pulumi up`: data loss, exposure, wider access. */
export interface Danger {
  level: DangerLevel;
  code:
    | 'replace-stateful'
    | 'replace'
    | 'replace-service'
    | 'delete-stateful'
    | 'open-to-world'
    | 'iam-actions-added'
    | 'trust-policy-changed'
    | 'protection-removed'
    | 'ignore-changes-removed';
  message: string;
}

export interface ResourceChange {
  op: ChangeOp;
  urn: string;
  type: string;
  name: string;
  /** Input changes (for a created resource: its inputs). */
  properties: PropertyChange[];
  /** Resource option changes (protect, ignoreChanges, ...), paths relative to the options. */
  options?: PropertyChange[];
  dangers: Danger[];
}

export interface ChangeSummary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  same: number;
}

/** What `ferry preview` reports, whichever way it was computed. */
export interface PreviewReport {
  env: string;
  mode: 'online' | 'offline';
  /** Offline mode: the git ref the working tree was compared with. */
  base?: string;
  summary: ChangeSummary;
  /** Dangerous changes first, then by operation and URN. */
  changes: ResourceChange[];
  /** Offline mode: stack configuration keys that changed. */
  config: PropertyChange[];
  /** Offline mode: stack outputs that changed. */
  outputs: PropertyChange[];
  /** Things the reader should know about how the preview was made. */
  notes: string[];
}

/** Stands in for a secret value in every report: the value itself never leaves the program run. */
export const SECRET_TEXT = '[secret]';
