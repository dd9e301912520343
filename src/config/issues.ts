import type { z } from 'zod';
import { type FerryError, usageError } from '../errors.ts';

/** `health.successes: expected a number` style lines: every problem, each with its JSON path. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove it or check its spelling`;
    }
    return `${path}: ${issue.message}`;
  });
}

export function schemaError(source: string, issues: readonly z.core.$ZodIssue[]): FerryError {
  const lines = describeIssues(issues);
  const first = lines[0] ?? 'invalid';
  const more =
    lines.length > 1 ? ` (and ${lines.length - 1} more problem${lines.length > 2 ? 's' : ''})` : '';
  return usageError(`${source}: ${first}${more}`, ...lines.slice(1));
}
