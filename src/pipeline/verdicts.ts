/**
 * Pure judgements over what AWS reports. A release is judged by its own
 * deployment, never by "the service is stable" (docs/aws-behaviour.md): stable is also
 * what a service is right after the circuit breaker rolled it back.
 */
import type { DeploymentSnapshot, ServiceDeploymentStatus, ServiceSnapshot, TaskSnapshot } from './ports.ts';

export type RolloutVerdict =
  | { state: 'in_progress' }
  | { state: 'completed' }
  /** Our deployment failed: `ecsRollingBack` when ECS took the service back to another revision itself. */
  | { state: 'failed'; reason: string; ecsRollingBack: boolean };

const primary = (s: ServiceSnapshot) => s.deployments.find((d) => d.status === 'PRIMARY');

export function judgeRollout(
  service: ServiceSnapshot,
  deploymentId: string,
  targetArn: string,
): RolloutVerdict {
  const ours = service.deployments.find((d) => d.id === deploymentId);
  const head = primary(service);
  if (head && head.taskDefinitionArn !== targetArn) {
    return {
      state: 'failed',
      reason: `ECS made ${head.taskDefinitionArn} PRIMARY again (rolled back)`,
      ecsRollingBack: true,
    };
  }
  if (!ours) {
    // Gone with the target still PRIMARY: another deployment of the same revision replaced ours.
    return { state: 'failed', reason: `deployment ${deploymentId} is gone`, ecsRollingBack: false };
  }
  if (ours.rolloutState === 'FAILED') {
    // ferry always turns the breaker's rollback on: ECS is about to take the service back.
    return {
      state: 'failed',
      reason: ours.rolloutStateReason ?? 'rolloutState FAILED',
      ecsRollingBack: true,
    };
  }
  if (ours.rolloutState === 'COMPLETED') return { state: 'completed' };
  // Without the rolling controller there is no rolloutState: the deployment alone at full strength is done.
  if (
    ours.rolloutState === undefined &&
    service.deployments.length === 1 &&
    ours.runningCount >= ours.desiredCount
  ) {
    return { state: 'completed' };
  }
  return { state: 'in_progress' };
}

/** The service deployment's own status overrides a COMPLETED rollout when it says ECS rolled back. */
export function isRolledBackStatus(status: ServiceDeploymentStatus | undefined): boolean {
  return (
    status !== undefined &&
    (status.startsWith('ROLLBACK_') || status === 'STOPPED' || status === 'STOP_REQUESTED')
  );
}

export type EcsRollbackVerdict =
  | { state: 'in_progress' }
  /** Our revision is still PRIMARY: ECS has not (yet) started its rollback. */
  | { state: 'not_started' }
  | { state: 'done'; taskDefinitionArn: string }
  | { state: 'failed'; reason: string };

/** While ECS's circuit breaker takes the service back: done once the PRIMARY (old) revision is COMPLETED. */
export function judgeEcsRollback(
  service: ServiceSnapshot,
  targetArn: string,
  serviceDeployment?: ServiceDeploymentStatus,
): EcsRollbackVerdict {
  if (serviceDeployment === 'ROLLBACK_FAILED')
    return { state: 'failed', reason: 'ECS reports ROLLBACK_FAILED' };
  const head = primary(service);
  if (!head) return { state: 'in_progress' };
  if (head.taskDefinitionArn === targetArn) return { state: 'not_started' };
  if (head.rolloutState === 'FAILED')
    return {
      state: 'failed',
      reason: `the rollback deployment failed: ${head.rolloutStateReason ?? 'FAILED'}`,
    };
  if (head.rolloutState === 'COMPLETED' || serviceDeployment === 'ROLLBACK_SUCCESSFUL') {
    return { state: 'done', taskDefinitionArn: head.taskDefinitionArn };
  }
  return { state: 'in_progress' };
}

export type MigrationVerdict =
  | { state: 'running' }
  | { state: 'succeeded' }
  | { state: 'failed'; reason: string };

/** A migration succeeded only when its container STOPPED with exit code 0; no exit code means it never ran. */
export function judgeMigration(task: TaskSnapshot, container: string): MigrationVerdict {
  if (task.lastStatus !== 'STOPPED') return { state: 'running' };
  const c = task.containers.find((x) => x.name === container);
  if (c?.exitCode === 0) return { state: 'succeeded' };
  if (c?.exitCode !== undefined)
    return {
      state: 'failed',
      reason: `the migration exited with code ${c.exitCode}${c.reason ? ` (${c.reason})` : ''}`,
    };
  const why = [task.stopCode, task.stoppedReason ?? c?.reason].filter(Boolean).join(': ');
  return { state: 'failed', reason: `the migration task never ran its command${why ? ` (${why})` : ''}` };
}

export type ProbeVerdict =
  | { state: 'success'; version: string }
  | { state: 'other_version'; version?: string }
  | { state: 'failure'; reason: string };

/**
 * One health probe. The expected status with another version is "not yet" (old
 * tasks can still answer while they drain); any other answer is a failure.
 */
export function judgeProbe(
  answer: { status: number; body: string } | { error: string },
  expect: { status: number; versionField: string; version?: string },
): ProbeVerdict {
  if ('error' in answer) return { state: 'failure', reason: answer.error };
  if (answer.status !== expect.status)
    return { state: 'failure', reason: `HTTP ${answer.status}, expected ${expect.status}` };
  let version: string | undefined;
  try {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    const field = body?.[expect.versionField];
    version = typeof field === 'string' ? field : undefined;
  } catch {
    return { state: 'failure', reason: `the answer is not JSON with a "${expect.versionField}" field` };
  }
  if (expect.version === undefined) return { state: 'success', version: version ?? '' };
  if (version === expect.version) return { state: 'success', version };
  return version === undefined
    ? { state: 'failure', reason: `no "${expect.versionField}" field in the answer` }
    : { state: 'other_version', version };
}

/** Failure words a person wants highlighted in service events. */
const FAILURE_WORDS = /unhealthy|fail|error|unable|circuit breaker|rolling back|cannot|denied|exception/i;

export function isFailureMessage(message: string): boolean {
  return FAILURE_WORDS.test(message);
}

export function mentionsTask(message: string): boolean {
  return /\(task [^)]+\)|task [0-9a-f]{32}/i.test(message);
}

export function deploymentLine(d: DeploymentSnapshot) {
  return { running: d.runningCount, pending: d.pendingCount, desired: d.desiredCount, failed: d.failedTasks };
}
