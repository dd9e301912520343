import type { Faults } from '../faults.ts';
import type { EngineContext } from './engine-context.ts';
import type { Task } from './model.ts';

const DEFAULT_MIGRATION_LINES = [
  'migrate: connecting to database',
  'migrate: applying 0003_add_orders ... done',
  'migrate: applying 0004_index_orders_customer ... done',
  'migrate: 2 migrations applied',
];

// What a broken version of the app prints: it cannot reach its database.
const DATABASE_DOWN = 'Error: connect ECONNREFUSED 10.0.3.12:5432';

/** Plausible output for the awslogs stream of a task: a server's start line, or a migration's run. */
export function taskLogLines(task: Task, phase: 'start' | 'exit', faults: Faults): string[] {
  const version = task.appVersion ?? 'unknown';
  if (task.serviceName) {
    const listening = `server: version ${version} listening on :8080`;
    if (phase === 'start') {
      const sick = (faults.unhealthy ?? []).some((rule) => rule.version === version && !rule.afterSeconds);
      return sick
        ? [listening, DATABASE_DOWN, 'GET /health 503 Service Unavailable (database unreachable)']
        : [listening];
    }
    const crash = (faults.failToStart ?? []).includes(version) ? [DATABASE_DOWN] : [];
    return [...crash, `server: fatal: exiting with code ${task.exitCode ?? 1}`];
  }
  if (phase === 'start') {
    const command = (task.overrides.containerOverrides as { command?: string[] }[] | undefined)?.find(
      (o) => o.command,
    )?.command;
    return [`starting ${command ? command.join(' ') : 'task'} (version ${version})`];
  }
  const code = task.exitCode ?? 0;
  const lines = faults.migrationLogLines ?? DEFAULT_MIGRATION_LINES;
  return code === 0 ? lines : [...lines, `migrate: error: exiting with code ${code}`];
}

/** Writes a simulated task's output to its awslogs stream; a real task's comes from its process. */
export function writeTaskLogs(ctx: EngineContext, task: Task, phase: 'start' | 'exit'): void {
  if (!task.logs || task.real) return;
  const lines = taskLogLines(task, phase, ctx.deps.faults.current);
  if (lines.length > 0) ctx.deps.logs.write(task.logs.group, task.logs.stream, ctx.now(), lines);
}
