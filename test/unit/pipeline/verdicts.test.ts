/** The pure judgements, branch by branch. */
import { describe, expect, it } from 'vitest';
import type { DeploymentSnapshot, ServiceSnapshot } from '../../../src/pipeline/ports.ts';
import {
  deploymentLine,
  isFailureMessage,
  isRolledBackStatus,
  judgeEcsRollback,
  judgeMigration,
  judgeProbe,
  judgeRollout,
  mentionsTask,
} from '../../../src/pipeline/verdicts.ts';

const at = new Date('2026-01-01T00:00:00Z');
const dep = (over: Partial<DeploymentSnapshot>): DeploymentSnapshot => ({
  id: 'new',
  status: 'PRIMARY',
  taskDefinitionArn: 'td:2',
  rolloutState: 'IN_PROGRESS',
  desiredCount: 2,
  runningCount: 0,
  pendingCount: 0,
  failedTasks: 0,
  createdAt: at,
  updatedAt: at,
  ...over,
});
const svc = (deployments: DeploymentSnapshot[]): ServiceSnapshot => ({
  name: 'web',
  arn: 'arn:web',
  status: 'ACTIVE',
  taskDefinitionArn: 'td:2',
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  deployments,
  events: [],
});

describe('judgeRollout', () => {
  it('marks who rolls back: ECS after its breaker or its own rollback, ferry when our deployment is gone', () => {
    expect(
      judgeRollout(svc([dep({ rolloutState: 'FAILED', rolloutStateReason: 'breaker' })]), 'new', 'td:2'),
    ).toEqual({
      state: 'failed',
      reason: 'breaker',
      ecsRollingBack: true,
    });
    expect(judgeRollout(svc([dep({ rolloutState: 'FAILED' })]), 'new', 'td:2')).toMatchObject({
      reason: 'rolloutState FAILED',
      ecsRollingBack: true,
    });
    expect(judgeRollout(svc([dep({ id: 'rb', taskDefinitionArn: 'td:1' })]), 'new', 'td:2')).toEqual({
      state: 'failed',
      reason: 'ECS made td:1 PRIMARY again (rolled back)',
      ecsRollingBack: true,
    });
    expect(judgeRollout(svc([dep({ id: 'other' })]), 'new', 'td:2')).toEqual({
      state: 'failed',
      reason: 'deployment new is gone',
      ecsRollingBack: false,
    });
  });

  it('without a rolloutState, completes only when our deployment is alone at full strength', () => {
    const plain = (over: Partial<DeploymentSnapshot>, more: DeploymentSnapshot[] = []) =>
      judgeRollout(svc([dep({ rolloutState: undefined, ...over }), ...more]), 'new', 'td:2').state;
    expect(plain({ runningCount: 2 })).toBe('completed');
    expect(plain({ runningCount: 3 })).toBe('completed');
    expect(plain({ runningCount: 1 })).toBe('in_progress');
    expect(
      plain({ runningCount: 2 }, [dep({ id: 'old', status: 'ACTIVE', taskDefinitionArn: 'td:1' })]),
    ).toBe('in_progress');
  });
});

describe('isRolledBackStatus', () => {
  it('is true for rollbacks and stops only', () => {
    for (const s of [
      'ROLLBACK_REQUESTED',
      'ROLLBACK_IN_PROGRESS',
      'ROLLBACK_SUCCESSFUL',
      'ROLLBACK_FAILED',
      'STOPPED',
      'STOP_REQUESTED',
    ] as const)
      expect(isRolledBackStatus(s)).toBe(true);
    for (const s of ['PENDING', 'SUCCESSFUL', 'IN_PROGRESS', undefined] as const)
      expect(isRolledBackStatus(s)).toBe(false);
  });
});

describe('judgeEcsRollback', () => {
  it('judges each state of the rollback', () => {
    const back = dep({ id: 'rb', taskDefinitionArn: 'td:1' });
    expect(judgeEcsRollback(svc([]), 'td:2')).toEqual({ state: 'in_progress' });
    expect(judgeEcsRollback(svc([dep({})]), 'td:2')).toEqual({ state: 'not_started' });
    expect(judgeEcsRollback(svc([back]), 'td:2')).toEqual({ state: 'in_progress' });
    expect(judgeEcsRollback(svc([{ ...back, rolloutState: 'COMPLETED' }]), 'td:2')).toEqual({
      state: 'done',
      taskDefinitionArn: 'td:1',
    });
    expect(judgeEcsRollback(svc([back]), 'td:2', 'ROLLBACK_SUCCESSFUL')).toEqual({
      state: 'done',
      taskDefinitionArn: 'td:1',
    });
    expect(
      judgeEcsRollback(svc([{ ...back, rolloutState: 'FAILED', rolloutStateReason: 'again' }]), 'td:2'),
    ).toEqual({
      state: 'failed',
      reason: 'the rollback deployment failed: again',
    });
    expect(judgeEcsRollback(svc([{ ...back, rolloutState: 'FAILED' }]), 'td:2')).toEqual({
      state: 'failed',
      reason: 'the rollback deployment failed: FAILED',
    });
    expect(
      judgeEcsRollback(svc([{ ...back, rolloutState: 'COMPLETED' }]), 'td:2', 'ROLLBACK_FAILED'),
    ).toEqual({
      state: 'failed',
      reason: 'ECS reports ROLLBACK_FAILED',
    });
  });
});

describe('judgeMigration', () => {
  const task = (over: object) => ({
    arn: 't',
    taskDefinitionArn: 'td:2',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    containers: [],
    ...over,
  });
  it('names the container reason with its exit code, and the stop reason when it never ran', () => {
    expect(
      judgeMigration(
        task({ containers: [{ name: 'web', exitCode: 137, reason: 'OutOfMemoryError' }] }),
        'web',
      ),
    ).toEqual({
      state: 'failed',
      reason: 'the migration exited with code 137 (OutOfMemoryError)',
    });
    expect(judgeMigration(task({ containers: [{ name: 'web' }] }), 'web')).toEqual({
      state: 'failed',
      reason: 'the migration task never ran its command',
    });
    expect(
      judgeMigration(task({ containers: [{ name: 'web', reason: 'CannotPullContainerError' }] }), 'web'),
    ).toEqual({
      state: 'failed',
      reason: 'the migration task never ran its command (CannotPullContainerError)',
    });
    expect(judgeMigration(task({ lastStatus: 'RUNNING' }), 'web')).toEqual({ state: 'running' });
    expect(
      judgeMigration(
        task({
          containers: [
            { name: 'sidecar', exitCode: 0 },
            { name: 'web', exitCode: 1 },
          ],
        }),
        'web',
      ).state,
    ).toBe('failed');
  });
});

describe('judgeProbe', () => {
  const expectOk = { status: 200, versionField: 'version' };
  it('succeeds on the status alone when no version is expected, and fails a body that is not JSON', () => {
    expect(judgeProbe({ status: 200, body: '{"version":"v1"}' }, expectOk)).toEqual({
      state: 'success',
      version: 'v1',
    });
    expect(judgeProbe({ status: 200, body: '{}' }, expectOk)).toEqual({ state: 'success', version: '' });
    expect(judgeProbe({ status: 200, body: 'ok' }, expectOk)).toEqual({
      state: 'failure',
      reason: 'the answer is not JSON with a "version" field',
    });
    expect(judgeProbe({ status: 200, body: '{"version":7}' }, { ...expectOk, version: 'v1' })).toEqual({
      state: 'failure',
      reason: 'no "version" field in the answer',
    });
    expect(judgeProbe({ status: 204, body: '' }, expectOk)).toEqual({
      state: 'failure',
      reason: 'HTTP 204, expected 200',
    });
    expect(judgeProbe({ error: 'ECONNREFUSED' }, expectOk)).toEqual({
      state: 'failure',
      reason: 'ECONNREFUSED',
    });
  });
});

describe('service event words', () => {
  it('highlights failures and recognises task mentions', () => {
    for (const m of [
      'is unhealthy',
      'deployment failed',
      'Error pulling',
      'was unable to place',
      'circuit breaker',
      'rolling back',
      'cannot pull',
      'AccessDenied',
      'ResourceInitializationException',
    ])
      expect(isFailureMessage(m)).toBe(true);
    expect(isFailureMessage('(service web) has reached a steady state.')).toBe(false);
    expect(mentionsTask('(service web) (task 0123abc) failed')).toBe(true);
    expect(mentionsTask(`stopped task ${'a'.repeat(32)}`)).toBe(true);
    expect(mentionsTask('(service web) has started 2 tasks')).toBe(false);
    expect(deploymentLine(dep({ runningCount: 1, pendingCount: 1, failedTasks: 3 }))).toEqual({
      running: 1,
      pending: 1,
      desired: 2,
      failed: 3,
    });
  });
});
