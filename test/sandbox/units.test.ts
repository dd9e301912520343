import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/sandbox/clock.ts';
import { breakerThreshold } from '../../src/sandbox/ecs/model.ts';
import { FaultStore, validateFaults } from '../../src/sandbox/faults.ts';
import { parseQueryParams } from '../../src/sandbox/protocol/query.ts';
import { validSnapshotIdentifier } from '../../src/sandbox/services/rds.ts';
import { tarOneFile } from '../../src/sandbox/synthetic-image.ts';

describe('sandbox building blocks', () => {
  it('runs simulated time at the scale and keeps it continuous when the scale changes', () => {
    let real = 1_000_000;
    const clock = new ScaledClock(60, () => real);
    real += 1000;
    expect(clock.now()).toBe(1_000_000 + 60_000);
    clock.setScale(1);
    real += 1000;
    expect(clock.now()).toBe(1_000_000 + 61_000);
    expect(() => new ScaledClock(0)).toThrow();
  });

  it('parses awsQuery lists in both RDS and member styles', () => {
    expect(
      parseQueryParams(
        'Action=X&Tags.Tag.1.Key=a&Tags.Tag.1.Value=b&Tags.Tag.2.Key=c&Names.member.1=n1&Names.member.2=n2',
      ),
    ).toEqual({
      Action: 'X',
      Tags: [{ Key: 'a', Value: 'b' }, { Key: 'c' }],
      Names: ['n1', 'n2'],
    });
  });

  it('computes the circuit breaker threshold as clamp(ceil(desired/2), 3, 200)', () => {
    expect([1, 2, 6, 7, 10, 1000].map(breakerThreshold)).toEqual([3, 3, 3, 4, 5, 200]);
  });

  it('follows the RDS snapshot identifier rules', () => {
    expect(validSnapshotIdentifier('ferry-shop-1a2b3c4')).toBe(true);
    expect(validSnapshotIdentifier('a'.repeat(256))).toBe(false);
    expect(validSnapshotIdentifier('-x')).toBe(false);
  });

  it('fails health checks for an afterSeconds version only once it has been healthy that long', () => {
    const faults = new FaultStore();
    faults.merge({ unhealthy: [{ version: 'v1', afterSeconds: 30 }, { version: 'v2' }] });
    expect(faults.failsHealthCheck('v1', undefined)).toBe(false);
    expect(faults.failsHealthCheck('v1', 29_000)).toBe(false);
    expect(faults.failsHealthCheck('v1', 30_000)).toBe(true);
    expect(faults.failsHealthCheck('v2', undefined)).toBe(true);
    expect(faults.failsHealthCheck('v3', undefined)).toBe(false);
  });

  it('refuses the removed fault name migrationSeconds, naming the one to use', () => {
    expect(validateFaults({ migrationRunSeconds: 60 })).toEqual({ migrationRunSeconds: 60 });
    expect(() => validateFaults({ migrationSeconds: 60 })).toThrow(
      'migrationSeconds is now migrationRunSeconds',
    );
    expect(() => validateFaults({ migrationRunSeconds: -1 })).toThrow(
      'migrationRunSeconds must be a number >= 0',
    );
  });

  it('builds a valid one-file tar archive in 512-byte blocks', () => {
    const tar = tarOneFile('a.txt', Buffer.from('hi'));
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(257, 262).toString()).toBe('ustar');
    expect(tar.subarray(512, 514).toString()).toBe('hi');
  });
});
