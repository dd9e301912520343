import { ExitCode } from '../errors.ts';
import { type CheckName, type CheckResult, failed } from './checks.ts';

export interface DoctorVerdict {
  failures: CheckName[];
  exitCode: ExitCode;
}

/** Warnings and skips pass; any failed check fails the run as a usage problem (exit 2), each one named. */
export function doctorVerdict(results: CheckResult[]): DoctorVerdict {
  const failures = failed(results).map((r) => r.check);
  return { failures, exitCode: failures.length === 0 ? ExitCode.Ok : ExitCode.Usage };
}
