/** Exit codes of docs/architecture.md: the only numbers the CLI ever exits with. */
export const ExitCode = {
  Ok: 0,
  ReleaseFailed: 1,
  Usage: 2,
  NeedsPerson: 3,
  Locked: 4,
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An expected, user-facing failure: printed as one message without a stack,
 * and mapped to its exit code by the entry point. Anything else is a bug.
 */
export class FerryError extends Error {
  readonly exitCode: ExitCode;
  /** Extra lines that tell the user what to do next. */
  readonly hints: readonly string[];

  constructor(message: string, exitCode: ExitCode = ExitCode.Usage, hints: readonly string[] = []) {
    super(message);
    this.name = 'FerryError';
    this.exitCode = exitCode;
    this.hints = hints;
  }
}

/** Bad usage, config or precondition: exit 2, nothing changed. */
export function usageError(message: string, ...hints: string[]): FerryError {
  return new FerryError(message, ExitCode.Usage, hints);
}

export function isFerryError(err: unknown): err is FerryError {
  return err instanceof FerryError;
}
