import type { Descriptor } from '../config/schema.ts';
import { usageError } from '../errors.ts';
import { chooseRollbackTarget, type LedgerEntry, readLedger } from './ledger.ts';
import type { Ports } from './ports.ts';
import { readServiceStatus } from './status.ts';

/**
 * The release `ferry rollback` returns to, from the ledger: the newest successful
 * one other than what runs now, or the one with `--to`. Exit 2 when there is none.
 */
export async function findRollbackTarget(
  ports: Ports,
  descriptor: Descriptor,
  env: string,
  to?: string,
): Promise<LedgerEntry> {
  const first = descriptor.services[0]!;
  const [entries, running] = await Promise.all([
    readLedger(ports.parameters, descriptor.app, env),
    readServiceStatus(ports, descriptor, first.name, first.container),
  ]);
  const choice = chooseRollbackTarget(
    entries,
    { taskDefinitionArn: running.taskDefinitionArn, ...(running.sha ? { sha: running.sha } : {}) },
    to,
  );
  if ('problem' in choice) throw usageError(choice.problem);
  return choice.found;
}
