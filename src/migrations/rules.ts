/**
 * The PostgreSQL statements that break expand/contract or lock tables, and
 * what to do instead. An application rollback does not roll the database
 * back, so anything the previous version still needs must survive the
 * migration, and anything that locks a busy table stalls the running version.
 */

import type { Statement, Token } from './sql.ts';
import {
  findTopWord,
  hasWords,
  isPunct,
  isWord,
  readName,
  readNames,
  skipWords,
  splitTopLevel,
} from './sql-names.ts';

export type Severity = 'danger' | 'warning';

export interface RuleInfo {
  severity: Severity;
  why: string;
  fix: string;
}

/** Every rule, its default severity, why it matters and the safe alternative. */
export const RULES = {
  'drop-table': {
    severity: 'danger',
    why: 'drops a table the running version (and any rollback) may still read; the data is gone',
    fix: 'stop using the table in one release, drop it in a later one',
  },
  'drop-column': {
    severity: 'danger',
    why: 'drops a column the running version (and any rollback) may still read or write; the data is gone',
    fix: 'deploy code that no longer uses the column first, drop it in a later release',
  },
  truncate: {
    severity: 'danger',
    why: 'deletes every row under an ACCESS EXCLUSIVE lock; an application rollback does not bring them back',
    fix: 'delete in batches with a WHERE clause, in a reviewed data migration',
  },
  'delete-without-where': {
    severity: 'danger',
    why: 'deletes every row of the table; an application rollback does not bring them back',
    fix: 'add a WHERE clause (and delete in batches), or say why in a reviewed data migration',
  },
  'rename-table': {
    severity: 'danger',
    why: 'the running version still uses the old name and fails as soon as this runs',
    fix: 'create the new table (or a view named like the old one), switch the code, drop the old name in a later release',
  },
  'rename-column': {
    severity: 'danger',
    why: 'the running version still uses the old column name and fails as soon as this runs',
    fix: 'add the new column, write both, backfill, switch reads, drop the old column in a later release',
  },
  'alter-column-type': {
    severity: 'danger',
    why: 'changing a column type rewrites the table under an ACCESS EXCLUSIVE lock and may break the running version',
    fix: 'add a column of the new type, backfill it in batches, switch the code, drop the old column later',
  },
  'add-column-not-null': {
    severity: 'danger',
    why: 'a NOT NULL column without a DEFAULT fails on a non-empty table, and the running version does not fill it',
    fix: 'add it nullable (or with a constant DEFAULT), backfill, then enforce it with CHECK (col IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT',
  },
  'add-column-volatile-default': {
    severity: 'danger',
    why: 'a volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval/serial, identity, stored generated) rewrites the whole table under an ACCESS EXCLUSIVE lock; constant and now() defaults do not since PostgreSQL 11',
    fix: 'add the column without a default, backfill in batches, then ALTER COLUMN ... SET DEFAULT for new rows',
  },
  'set-not-null': {
    severity: 'warning',
    why: 'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock',
    fix: 'ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT NULL (PostgreSQL 12+ skips the scan) and drop c',
  },
  'create-index': {
    severity: 'warning',
    why: 'CREATE INDEX without CONCURRENTLY blocks writes to the table until the index is built',
    fix: 'CREATE INDEX CONCURRENTLY, outside a transaction block',
  },
  'drop-index': {
    severity: 'warning',
    why: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table',
    fix: 'DROP INDEX CONCURRENTLY, outside a transaction block',
  },
  'add-foreign-key': {
    severity: 'warning',
    why: 'adding a FOREIGN KEY checks every row while blocking writes on both tables',
    fix: 'ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a separate statement',
  },
  'add-check': {
    severity: 'warning',
    why: 'adding a CHECK constraint scans every row under an ACCESS EXCLUSIVE lock',
    fix: 'ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a separate statement',
  },
  'vacuum-full': {
    severity: 'danger',
    why: 'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait',
    fix: 'use plain VACUUM, or pg_repack, outside the deployment',
  },
  cluster: {
    severity: 'danger',
    why: 'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait',
    fix: 'use pg_repack outside the deployment, or drop the statement',
  },
  'lock-table': {
    severity: 'warning',
    why: 'LOCK TABLE (ACCESS EXCLUSIVE unless a mode is given) makes the running version wait until the transaction ends',
    fix: 'avoid explicit locks in migrations; if one is needed, SET lock_timeout and keep the transaction short',
  },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

export interface Hit {
  rule: RuleId;
  line: number;
  /** When it differs from the rule's default (a type change that is likely a cheap widening). */
  severity?: Severity;
}

/** What earlier statements of the same release created: changing a brand-new, empty table is safe. */
export interface Created {
  /** Tables created by earlier statements of the release's migrations. */
  tables: ReadonlySet<string>;
  /** Tables created anywhere in the current file (the `DROP TABLE IF EXISTS x; CREATE TABLE x` idiom). */
  tablesInFile: ReadonlySet<string>;
  indexes: ReadonlySet<string>;
}

/** The hits of one statement. */
export function checkStatement(stmt: Statement, created: Created): Hit[] {
  const t = stmt.tokens;
  const hit = (rule: RuleId, at = 0, severity?: Severity): Hit[] => [
    { rule, line: t[at]?.line ?? stmt.line, ...(severity ? { severity } : {}) },
  ];
  if (hasWords(t, 0, 'DROP', 'TABLE')) return dropTable(t, created) ? hit('drop-table') : [];
  if (hasWords(t, 0, 'DROP', 'INDEX')) return dropIndex(t, created) ? hit('drop-index') : [];
  if (hasWords(t, 0, 'ALTER', 'TABLE')) return alterTable(t, created);
  if (isWord(t[0], 'TRUNCATE')) {
    const { names } = readNames(t, skipWords(t, 1, ['TABLE'], ['ONLY']));
    return names.some((n) => !created.tables.has(n)) ? hit('truncate') : [];
  }
  if (isWord(t[0], 'DELETE', 'WITH'))
    return deleteWithoutWhere(t, created) ? hit('delete-without-where') : [];
  const index = createIndex(t);
  if (index) return index.concurrently || created.tables.has(index.table) ? [] : hit('create-index');
  if (isWord(t[0], 'VACUUM') && vacuumFull(t)) return hit('vacuum-full');
  if (isWord(t[0], 'CLUSTER')) return hit('cluster');
  if (isWord(t[0], 'LOCK')) return hit('lock-table');
  return [];
}

/** The table a `CREATE TABLE` statement creates (TEMP, UNLOGGED and `AS SELECT` included). */
export function createdTable(t: Token[]): string | undefined {
  if (!isWord(t[0], 'CREATE')) return undefined;
  const at = skipWords(t, 1, ['GLOBAL'], ['LOCAL'], ['TEMP'], ['TEMPORARY'], ['UNLOGGED']);
  if (!isWord(t[at], 'TABLE')) return undefined;
  return readName(t, skipWords(t, at + 1, ['IF', 'NOT', 'EXISTS']))?.name;
}

/** `CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table ...` */
export function createIndex(t: Token[]): { name?: string; table: string; concurrently: boolean } | undefined {
  if (!isWord(t[0], 'CREATE')) return undefined;
  let at = skipWords(t, 1, ['UNIQUE']);
  if (!isWord(t[at], 'INDEX')) return undefined;
  at++;
  const concurrently = isWord(t[at], 'CONCURRENTLY');
  if (concurrently) at++;
  at = skipWords(t, at, ['IF', 'NOT', 'EXISTS']);
  const name = isWord(t[at], 'ON') ? undefined : readName(t, at)?.name;
  const on = findTopWord(t, at, 'ON');
  const table = on < 0 ? undefined : readName(t, skipWords(t, on + 1, ['ONLY']))?.name;
  if (table === undefined) return undefined;
  return { ...(name ? { name } : {}), table, concurrently };
}

function dropTable(t: Token[], created: Created): boolean {
  const ifExists = hasWords(t, 2, 'IF', 'EXISTS');
  const { names } = readNames(t, ifExists ? 4 : 2);
  return names.some((n) => !created.tables.has(n) && !(ifExists && created.tablesInFile.has(n)));
}

function dropIndex(t: Token[], created: Created): boolean {
  if (isWord(t[2], 'CONCURRENTLY')) return false;
  const { names } = readNames(t, skipWords(t, 2, ['IF', 'EXISTS']));
  return names.some((n) => !created.indexes.has(n));
}

function deleteWithoutWhere(t: Token[], created: Created): boolean {
  const del = isWord(t[0], 'DELETE') ? 0 : findTopWord(t, 1, 'DELETE');
  if (del < 0 || !isWord(t[del + 1], 'FROM')) return false;
  const table = readName(t, skipWords(t, del + 2, ['ONLY']))?.name;
  if (table === undefined || created.tables.has(table)) return false;
  return findTopWord(t, del + 2, 'WHERE') < 0;
}

function vacuumFull(t: Token[]): boolean {
  if (isWord(t[1], 'FULL')) return true;
  if (!isPunct(t[1], '(')) return false;
  for (let i = 2; i < t.length && t[i]!.depth > 0; i++) {
    const optionStart = isPunct(t[i - 1], '(') || isPunct(t[i - 1], ',');
    if (isWord(t[i], 'FULL') && t[i]!.depth === 1 && optionStart) {
      const value = t[i + 1];
      return !(isWord(value, 'FALSE', 'OFF') || value?.text === '0');
    }
  }
  return false;
}

function alterTable(t: Token[], created: Created): Hit[] {
  const at = skipWords(t, 2, ['IF', 'EXISTS'], ['ONLY']);
  const table = readName(t, at);
  if (!table || created.tables.has(table.name)) return [];
  const rest = t.slice(isPunct(t[table.next], '*') ? table.next + 1 : table.next);
  return splitTopLevel(rest).flatMap((action): Hit[] => {
    const rule = alterAction(action);
    if (!rule) return [];
    const [id, severity] = Array.isArray(rule) ? rule : [rule];
    return [{ rule: id, line: action[0]!.line, ...(severity ? { severity } : {}) }];
  });
}

type ActionResult = RuleId | [RuleId, Severity] | undefined;

function alterAction(a: Token[]): ActionResult {
  if (isWord(a[0], 'RENAME')) {
    if (isWord(a[1], 'TO')) return 'rename-table';
    return isWord(a[1], 'CONSTRAINT') ? undefined : 'rename-column';
  }
  if (isWord(a[0], 'DROP')) return isWord(a[1], 'CONSTRAINT') ? undefined : 'drop-column';
  if (isWord(a[0], 'ALTER')) return alterColumn(a);
  if (isWord(a[0], 'ADD')) return add(a);
  return undefined;
}

/** Types a column is usually widened to, which PostgreSQL changes without a rewrite. */
const CHEAP_TARGET_TYPES = ['TEXT', 'VARCHAR', 'CITEXT', 'VARBIT'];

function alterColumn(a: Token[]): ActionResult {
  const name = readName(a, skipWords(a, 1, ['COLUMN']));
  if (!name) return undefined;
  const at = name.next;
  if (hasWords(a, at, 'SET', 'NOT', 'NULL')) return 'set-not-null';
  const type = hasWords(a, at, 'TYPE') ? at + 1 : hasWords(a, at, 'SET', 'DATA', 'TYPE') ? at + 3 : -1;
  if (type < 0) return undefined;
  const widening =
    (isWord(a[type], ...CHEAP_TARGET_TYPES) || hasWords(a, type, 'CHARACTER', 'VARYING')) &&
    findTopWord(a, type, 'USING') < 0;
  return widening ? ['alter-column-type', 'warning'] : 'alter-column-type';
}

function add(a: Token[]): ActionResult {
  if (isWord(a[1], 'CONSTRAINT')) {
    const name = readName(a, 2);
    return name ? addConstraint(a, name.next) : undefined;
  }
  if (isWord(a[1], 'FOREIGN', 'CHECK', 'UNIQUE', 'PRIMARY', 'EXCLUDE')) return addConstraint(a, 1);
  return addColumn(a, skipWords(a, 1, ['COLUMN'], ['IF', 'NOT', 'EXISTS']));
}

function addConstraint(a: Token[], at: number): ActionResult {
  const notValid = a.some((tok, i) => tok.depth === 0 && isWord(tok, 'NOT') && isWord(a[i + 1], 'VALID'));
  if (notValid) return undefined;
  if (isWord(a[at], 'FOREIGN')) return 'add-foreign-key';
  if (isWord(a[at], 'CHECK')) return 'add-check';
  return undefined;
}

const SERIAL_TYPES = ['SERIAL', 'BIGSERIAL', 'SMALLSERIAL', 'SERIAL2', 'SERIAL4', 'SERIAL8'];

/** Functions PostgreSQL marks VOLATILE that people use as column defaults. */
const VOLATILE_FUNCTIONS = [
  'RANDOM',
  'GEN_RANDOM_UUID',
  'UUID_GENERATE_V1',
  'UUID_GENERATE_V1MC',
  'UUID_GENERATE_V4',
  'UUIDV4',
  'UUIDV7',
  'CLOCK_TIMESTAMP',
  'TIMEOFDAY',
  'NEXTVAL',
  'TXID_CURRENT',
  'RANDOM_NORMAL',
];

function addColumn(a: Token[], at: number): ActionResult {
  const column = readName(a, at);
  if (!column) return undefined;
  const top = (i: number) => a[i]!.depth === 0;
  // Identity and STORED generated columns fill every row; VIRTUAL ones (PostgreSQL 18) do not.
  const generated = findTopWord(a, column.next, 'GENERATED') >= 0;
  const filled = generated && findTopWord(a, column.next, 'IDENTITY', 'STORED') >= 0;
  const defaultAt = findTopWord(a, column.next, 'DEFAULT');
  const volatileDefault =
    defaultAt >= 0 &&
    a.some((tok, i) => i > defaultAt && isWord(tok, ...VOLATILE_FUNCTIONS) && isPunct(a[i + 1], '('));
  if (isWord(a[column.next], ...SERIAL_TYPES) || filled || volatileDefault)
    return 'add-column-volatile-default';
  const notNull =
    a.some((tok, i) => top(i) && isWord(tok, 'NOT') && isWord(a[i + 1], 'NULL')) ||
    a.some((tok, i) => top(i) && isWord(tok, 'PRIMARY') && isWord(a[i + 1], 'KEY'));
  return notNull && defaultAt < 0 && !generated ? 'add-column-not-null' : undefined;
}
