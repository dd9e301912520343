/**
 * The Node version check that runs before anything else loads: the dependencies (commander, the
 * Pulumi SDK) need a newer Node than many machines have, and their failure on an old one is a stack
 * trace that names neither ferry nor the fix.
 */

/** The minimum of a `>=X.Y[.Z]` engines range, as numbers; undefined for any other form. */
export function minimumOf(range: string): number[] | undefined {
  const match = /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(range);
  return match?.[1]?.split('.').map(Number);
}

function atLeast(version: number[], minimum: number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    const have = version[i] ?? 0;
    const need = minimum[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

/** The one line to print when `current` (e.g. "20.20.2") does not satisfy `range`; undefined when it does. */
export function nodeVersionProblem(current: string, range: string): string | undefined {
  const minimum = minimumOf(range);
  if (!minimum) return undefined;
  const version = current.replace(/^v/, '').split('.').map(Number);
  if (atLeast(version, minimum)) return undefined;
  return `ferry needs Node >= ${minimum.join('.')} (this is ${current.replace(/^v/, '')})`;
}
