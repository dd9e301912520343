import type { Faults } from '../faults.ts';
import type { Task } from './model.ts';

const DEFAULT_MIGRATION_LINES = [
  'migrate: connecting to database',
  'migrate: applying 0003_add_orders ... done',
  'migrate: applying 0004_index_orders_customer ... done',
  'migrate: 2 migrations applied',
];

/** Plausible output for the awslogs stream of a task: a server's start line, or a migration's run. */
export function taskLogLines(task: Task, phase: 'start' | 'exit', faults: Faults): string[] {
  const version = task.appVersion ?? 'unknown';
  if (task.serviceName) {
    if (phase === 'start') return [`server: version ${version} listening on :8080`];
    return [`server: fatal: exiting with code ${task.exitCode ?? 1}`];
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
