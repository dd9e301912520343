import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/doctor/checks.ts';
import { doctorVerdict } from '../../../src/doctor/verdict.ts';

const result = (check: CheckResult['check'], status: CheckResult['status']): CheckResult => ({
  check,
  status,
  summary: status,
});

describe('doctorVerdict', () => {
  it('passes with warnings and skipped checks: exit 0, no failures', () => {
    expect(
      doctorVerdict([result('credentials', 'pass'), result('alarms', 'warn'), result('lock', 'skip')]),
    ).toEqual({ failures: [], exitCode: 0 });
  });

  it('names every failed check in order and exits 2', () => {
    expect(
      doctorVerdict([result('descriptor', 'fail'), result('alarms', 'warn'), result('health', 'fail')]),
    ).toEqual({ failures: ['descriptor', 'health'], exitCode: 2 });
  });
});
