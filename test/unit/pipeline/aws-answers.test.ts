/**
 * A denial, a validation error or a missing resource is AWS's answer: the run
 * stops at once with that cause, never after the retry budget as "state unknown".
 */
import { describe, expect, it } from 'vitest';
import { MAX_TRANSIENT_FAILURES } from '../../../src/pipeline/poll.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { mutatingCalls, releaseFixture } from '../../support/fakes-release.ts';

const denied = (action: string) =>
  Object.assign(
    new Error(
      `User: arn:aws:sts::111111111111:assumed-role/deploy/ferry is not authorized to perform: ${action}`,
    ),
    {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    },
  );
const notFound = () =>
  Object.assign(new Error('Service not found.'), {
    name: 'ServiceNotFoundException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

describe('AWS answers that are not transient', () => {
  it('exits 2 with the cause when AWS denies a read before anything changed', async () => {
    const f = releaseFixture();
    // resolve reads the database once; the snapshot step's read is denied.
    let reads = 0;
    f.database.describeStatus = async () => {
      f.log.push('RDS.DescribeDBInstances');
      if (++reads > 1) throw denied('rds:DescribeDBInstances');
      return 'available';
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 2 });
    expect(result.reason).toContain('AccessDeniedException');
    expect(result.reason).toContain('rds:DescribeDBInstances');
    expect(result.reason).toContain('nothing was changed');
    expect(reads).toBe(2);
    expect(f.clock.sleeps).toEqual([]);
    expect(mutatingCalls(f.log).filter((c) => !c.startsWith('SSM.'))).toEqual([]);
    expect(f.parameters.values.has('/ferry/shop/staging/lock')).toBe(false);
  });

  it('exits 2 at resolve, nothing changed, when reading the service is denied', async () => {
    const f = releaseFixture();
    f.faults.inject('DescribeServices', denied('ecs:DescribeServices'));
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 2 });
    expect(result.reason).toContain('AccessDeniedException');
    expect(mutatingCalls(f.log)).toEqual([]);
    expect(f.log.filter((c) => c === 'ECS.DescribeServices')).toHaveLength(1);
  });

  it('stops watching at once, with the cause, when the service disappears after UpdateService', async () => {
    const f = releaseFixture();
    let updated = false;
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (cluster, name, arn) => {
      updated = true;
      return update(cluster, name, arn);
    };
    const describeService = f.ecs.describeService.bind(f.ecs);
    let afterUpdate = 0;
    f.ecs.describeService = async (cluster, name) => {
      if (updated) {
        afterUpdate += 1;
        throw notFound();
      }
      return describeService(cluster, name);
    };
    const result = await runRelease(f.deps, f.request);
    // UpdateService was issued: a person must look, but knowing why.
    expect(result.exitCode).toBe(3);
    expect(result.reason).toContain('ServiceNotFoundException: Service not found.');
    expect(result.reason).not.toContain(`${MAX_TRANSIENT_FAILURES} AWS calls in a row failed`);
    // The watch asked once; nothing retried the answer.
    expect(afterUpdate).toBeLessThan(MAX_TRANSIENT_FAILURES);
  });

  it('fails the rollout at once when UpdateService is denied, and checks the untouched service', async () => {
    const f = releaseFixture();
    f.faults.inject('UpdateService', denied('ecs:UpdateService'));
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(result.reason).toContain('AccessDeniedException');
    expect(f.ecs.updates).toEqual([]);
  });
});
