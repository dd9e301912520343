/**
 * Reads the SQL migrations a release adds and finds the statements that break
 * expand/contract or lock tables. Pure: files in, findings out.
 */
import {
  type Created,
  checkStatement,
  createdTable,
  createIndex,
  RULES,
  type RuleId,
  type Severity,
} from './rules.ts';
import { splitStatements } from './sql.ts';

export interface MigrationFile {
  /** Relative to the config file's directory. */
  path: string;
  sql: string;
}

export interface Finding {
  path: string;
  line: number;
  rule: RuleId;
  severity: Severity;
  /** The statement, comments removed, shortened. */
  statement: string;
  why: string;
  fix: string;
}

const EXCERPT_CHARS = 120;

/**
 * Files are read in the order given (the order migration tools apply them), and
 * a table created by an earlier statement of the same release is new and empty:
 * indexing, altering or dropping it again is never reported.
 */
export function lintMigrations(files: readonly MigrationFile[]): Finding[] {
  const tables = new Set<string>();
  const indexes = new Set<string>();
  const findings: Finding[] = [];
  for (const file of files) {
    const statements = splitStatements(file.sql);
    const tablesInFile = new Set(statements.flatMap((s) => createdTable(s.tokens) ?? []));
    const created: Created = { tables, tablesInFile, indexes };
    for (const stmt of statements) {
      for (const hit of checkStatement(stmt, created)) {
        const rule = RULES[hit.rule];
        findings.push({
          path: file.path,
          line: hit.line,
          rule: hit.rule,
          severity: hit.severity ?? rule.severity,
          statement: excerpt(stmt.text),
          why: rule.why,
          fix: rule.fix,
        });
      }
      const table = createdTable(stmt.tokens);
      if (table !== undefined) tables.add(table);
      const index = createIndex(stmt.tokens)?.name;
      if (index !== undefined) indexes.add(index);
    }
  }
  return findings;
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= EXCERPT_CHARS ? trimmed : `${trimmed.slice(0, EXCERPT_CHARS - 1)}…`;
}
