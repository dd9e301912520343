import { describeIssues } from './issues.ts';
import { descriptorSchema } from './schema.ts';

export interface DescriptorProblem {
  /** Dotted JSON path of the field, e.g. `services.0.baseUrl`; `(top level)` for the document. */
  path: string;
  /** The whole line: `services.0.baseUrl: use an http(s) URL`. */
  line: string;
}

/** Every problem of a descriptor at once (none when ferry can use it). */
export function descriptorProblems(value: unknown): DescriptorProblem[] {
  const result = descriptorSchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    // zod words a missing field as a type error ("expected string, received undefined").
    const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
    return { path, line: missing ? `${path}: missing; add it` : describeIssues([issue])[0]! };
  });
}
