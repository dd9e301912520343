import { describe, expect, it } from 'vitest';
import { chooseRollbackTarget, type LedgerEntry } from '../../../src/pipeline/ledger.ts';
import type { DeploymentSnapshot, ServiceSnapshot, TaskSnapshot } from '../../../src/pipeline/ports.ts';
import { snapshotName } from '../../../src/pipeline/resource-names.ts';
import { snapshotsToDelete } from '../../../src/pipeline/retention.ts';
import {
  judgeEcsRollback,
  judgeMigration,
  judgeProbe,
  judgeRollout,
} from '../../../src/pipeline/verdicts.ts';

const at = new Date('2026-01-01T00:00:00Z');
const dep = (over: Partial<DeploymentSnapshot>): DeploymentSnapshot => ({
  id: 'ecs-svc/1',
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
  taskDefinitionArn: deployments[0]?.taskDefinitionArn ?? '',
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  deployments,
  events: [],
});

describe('judgeRollout', () => {
  it('is in progress while our deployment rolls', () => {
    expect(
      judgeRollout(
        svc([
          dep({}),
          dep({ id: 'old', status: 'ACTIVE', taskDefinitionArn: 'td:1', rolloutState: 'COMPLETED' }),
        ]),
        'ecs-svc/1',
        'td:2',
      ),
    ).toEqual({ state: 'in_progress' });
  });
  it('completes only on our own deployment COMPLETED', () => {
    expect(judgeRollout(svc([dep({ rolloutState: 'COMPLETED' })]), 'ecs-svc/1', 'td:2').state).toBe(
      'completed',
    );
  });
  it('fails a service that is stable on the OLD revision after the breaker rolled back', () => {
    const rolledBack = svc([
      dep({ id: 'ecs-svc/3', taskDefinitionArn: 'td:1', rolloutState: 'COMPLETED', runningCount: 2 }),
    ]);
    expect(judgeRollout(rolledBack, 'ecs-svc/1', 'td:2')).toMatchObject({
      state: 'failed',
      ecsRollingBack: true,
    });
  });
  it('fails on rolloutState FAILED and when our deployment is gone', () => {
    expect(
      judgeRollout(
        svc([dep({ rolloutState: 'FAILED', rolloutStateReason: 'breaker' })]),
        'ecs-svc/1',
        'td:2',
      ),
    ).toMatchObject({ state: 'failed', reason: 'breaker' });
    expect(
      judgeRollout(svc([dep({ id: 'other', rolloutState: 'COMPLETED' })]), 'ecs-svc/1', 'td:2').state,
    ).toBe('failed');
  });
});

describe('judgeEcsRollback', () => {
  it('waits, then reports done once the old revision is PRIMARY and COMPLETED', () => {
    expect(judgeEcsRollback(svc([dep({ taskDefinitionArn: 'td:1' })]), 'td:2').state).toBe('in_progress');
    expect(
      judgeEcsRollback(svc([dep({ taskDefinitionArn: 'td:1', rolloutState: 'COMPLETED' })]), 'td:2'),
    ).toEqual({ state: 'done', taskDefinitionArn: 'td:1' });
  });
  it('reports a failed rollback and one ECS has not started', () => {
    expect(
      judgeEcsRollback(svc([dep({ taskDefinitionArn: 'td:1', rolloutState: 'FAILED' })]), 'td:2').state,
    ).toBe('failed');
    expect(judgeEcsRollback(svc([dep({ taskDefinitionArn: 'td:1' })]), 'td:2', 'ROLLBACK_FAILED').state).toBe(
      'failed',
    );
    expect(judgeEcsRollback(svc([dep({ rolloutState: 'FAILED' })]), 'td:2').state).toBe('not_started');
  });
});

describe('judgeMigration', () => {
  const task = (over: Partial<TaskSnapshot>): TaskSnapshot => ({
    arn: 't',
    taskDefinitionArn: 'td',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    containers: [],
    ...over,
  });
  it('requires exit code 0 from the named container', () => {
    expect(judgeMigration(task({ containers: [{ name: 'web', exitCode: 0 }] }), 'web').state).toBe(
      'succeeded',
    );
    expect(judgeMigration(task({ containers: [{ name: 'web', exitCode: 1 }] }), 'web')).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('code 1'),
    });
    expect(judgeMigration(task({ lastStatus: 'RUNNING' }), 'web').state).toBe('running');
  });
  it('treats a missing exit code as a task that never started, with its stop code', () => {
    const v = judgeMigration(
      task({
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'ResourceInitializationError',
        containers: [{ name: 'web' }],
      }),
      'web',
    );
    expect(v).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('TaskFailedToStart: ResourceInitializationError'),
    });
  });
});

describe('judgeProbe', () => {
  const expectV = { status: 200, versionField: 'version', version: 'abc1234' };
  it('succeeds on the expected status and version', () => {
    expect(judgeProbe({ status: 200, body: '{"version":"abc1234"}' }, expectV).state).toBe('success');
  });
  it('treats another version as not yet, and errors, statuses and bodies without the field as failures', () => {
    expect(judgeProbe({ status: 200, body: '{"version":"0000000"}' }, expectV).state).toBe('other_version');
    expect(judgeProbe({ status: 503, body: '' }, expectV).state).toBe('failure');
    expect(judgeProbe({ error: 'ECONNREFUSED' }, expectV).state).toBe('failure');
    expect(judgeProbe({ status: 200, body: 'ok' }, expectV).state).toBe('failure');
    expect(judgeProbe({ status: 200, body: '{}' }, expectV).state).toBe('failure');
  });
});

describe('snapshotName', () => {
  it('is ferry-<env>-<sha7>-<yyyymmddhhmmss> in UTC', () => {
    expect(snapshotName('production', '0123456789abcdef', new Date('2026-07-08T09:10:11.999Z'))).toBe(
      'ferry-production-0123456-20260708091011',
    );
  });
});

describe('snapshotsToDelete', () => {
  const snap = (id: string, day: number, tags: Record<string, string> = { 'ferry:managed': 'true' }) => ({
    id,
    status: 'available',
    createdAt: new Date(Date.UTC(2026, 0, day)),
    tags,
  });
  it('keeps the newest N ferry snapshots of the environment and never touches any other snapshot', () => {
    const all = [
      snap('ferry-staging-aaaaaaa-1', 1),
      snap('ferry-staging-aaaaaaa-2', 2),
      snap('ferry-staging-aaaaaaa-3', 3),
      snap('ferry-staging-aaaaaaa-4', 4),
      snap('manual-before-upgrade', 0, {}),
      snap('ferry-staging-lookalike', 0, {}),
      snap('ferry-production-aaaaaaa-1', 0),
    ];
    expect(snapshotsToDelete(all, 'staging', 2).map((s) => s.id)).toEqual([
      'ferry-staging-aaaaaaa-2',
      'ferry-staging-aaaaaaa-1',
    ]);
    expect(snapshotsToDelete(all, 'staging', 5)).toEqual([]);
  });
});

describe('chooseRollbackTarget', () => {
  const entry = (version: number, sha: string, outcome: LedgerEntry['outcome'], td: string): LedgerEntry => ({
    version,
    sha,
    outcome,
    taskDefinitionArn: td,
    digest: `sha256:${sha}`,
    previousTaskDefinitionArn: null,
    snapshotId: null,
    actor: 'a',
    startedAt: '',
    finishedAt: '',
    steps: [],
  });
  const ledger = [
    entry(4, 'd'.repeat(40), 'rolled_back', 'td:4'),
    entry(3, 'c'.repeat(40), 'deployed', 'td:3'),
    entry(2, 'b'.repeat(40), 'deployed', 'td:2'),
    entry(1, 'a'.repeat(40), 'deployed', 'td:1'),
  ];
  it('picks the newest successful release that is not the running one', () => {
    expect(chooseRollbackTarget(ledger, { taskDefinitionArn: 'td:3' })).toMatchObject({
      found: { version: 2 },
    });
  });
  it('picks the release with the SHA asked for, by full or short SHA', () => {
    expect(chooseRollbackTarget(ledger, { taskDefinitionArn: 'td:3' }, 'aaaaaaa')).toMatchObject({
      found: { version: 1 },
    });
  });
  it('refuses SHAs that never deployed successfully', () => {
    expect(chooseRollbackTarget(ledger, {}, 'd'.repeat(40))).toHaveProperty('problem');
    expect(chooseRollbackTarget([], {})).toHaveProperty('problem');
  });
  it('refuses a short SHA that starts several released SHAs, naming them', () => {
    const twins = [
      entry(6, `abcdef1${'1'.repeat(33)}`, 'deployed', 'td:6'),
      entry(5, `abcdef1${'2'.repeat(33)}`, 'deployed', 'td:5'),
    ];
    const choice = chooseRollbackTarget([...twins, ...ledger], {}, 'abcdef1');
    expect(choice).toEqual({
      problem: `--to abcdef1 is ambiguous: it starts 2 released SHAs: ${twins[0]!.sha}, ${twins[1]!.sha}; give more characters`,
    });
    // The same SHA released twice is one release to go back to, not an ambiguity.
    expect(chooseRollbackTarget([twins[0]!, { ...twins[0]!, version: 7 }], {}, 'abcdef1')).toMatchObject({
      found: { sha: twins[0]!.sha },
    });
  });
});
