/**
 * `ferry init`'s values: flags first; what is missing is asked on a terminal,
 * or named in one error without one. Every bad flag is reported at once, before any question.
 */
import { usageError } from '../errors.ts';
import { INIT_FIELDS, type InitField, type InitValues } from './values.ts';

/** Asks one question on a terminal, returning the trimmed answer. */
export type Ask = (question: string) => Promise<string>;

/** Each value as its flag gave it, undefined when the flag was not given. */
export type GivenValues = Record<keyof InitValues, string | undefined>;

/** `say` tells the person at the terminal why an answer was not taken (then the question is asked again). */
export async function gatherInitValues(
  given: GivenValues,
  ask: Ask | undefined,
  say: (line: string) => void,
): Promise<InitValues> {
  const problems = INIT_FIELDS.flatMap((f) => {
    const value = given[f.key];
    const problem = value === undefined ? undefined : f.problem(value);
    return problem ? [`${f.flag} "${value}": ${problem}`] : [];
  });
  if (problems.length > 0) throw usageError(`init: ${problems.join('; ')}`);
  const missing = INIT_FIELDS.filter((f) => f.required && given[f.key] === undefined);
  if (missing.length > 0 && !ask) {
    throw usageError(
      `init: missing ${missing.map((f) => f.flag).join(', ')}; pass ${missing.length > 1 ? 'them' : 'it'}, or run \`ferry init\` on a terminal to be asked`,
      'see `ferry init --help`',
    );
  }
  const values: Record<string, string | undefined> = { ...given };
  if (ask) {
    const unasked = INIT_FIELDS.filter((f) => given[f.key] === undefined);
    for (const field of unasked) values[field.key] = await askFor(field, ask, say);
  }
  return Object.fromEntries(
    INIT_FIELDS.flatMap((f) => (values[f.key] === undefined ? [] : [[f.key, values[f.key]]])),
  ) as unknown as InitValues;
}

async function askFor(field: InitField, ask: Ask, say: (line: string) => void): Promise<string | undefined> {
  for (;;) {
    const answer = await ask(field.question);
    if (answer === '' && !field.required) return undefined;
    const problem = answer === '' ? 'a value is required' : field.problem(answer);
    if (!problem) return answer;
    say(`${field.flag}: ${problem}`);
  }
}
