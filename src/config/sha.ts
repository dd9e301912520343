import { usageError } from '../errors.ts';

export const SHA_PATTERN = /^[0-9a-f]{7,40}$/;

/** A git SHA as docs/architecture.md allows it: 7 to 40 lowercase hex characters, checked before any AWS call. */
export function parseSha(value: string, what = '--sha'): string {
  if (!SHA_PATTERN.test(value)) {
    const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
    throw usageError(
      `${what}: ${shown} is not a git SHA; give 7 to 40 lowercase hex characters, such as $(git rev-parse HEAD)`,
    );
  }
  return value;
}
