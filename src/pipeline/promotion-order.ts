/**
 * Promotion never moves the target backwards: a SHA that passed the source
 * before the one the target runs is older, whatever its approval says (an
 * approved but stale workflow run). Going back is `ferry rollback`'s job.
 */
import type { Descriptor } from '../config/schema.ts';
import { usageError } from '../errors.ts';
import { type LedgerEntry, readLedger } from './ledger.ts';
import type { Ports } from './ports.ts';
import { readServiceStatus } from './status.ts';

/** Newest first, as readLedger returns it: a smaller index passed the source later. */
export function isOlderThan(
  sourceLedger: LedgerEntry[],
  candidate: string,
  running: string | undefined,
): boolean {
  if (!running || running === candidate) return false;
  const passed = sourceLedger.filter((e) => e.outcome === 'deployed');
  const at = (sha: string) => passed.findIndex((e) => e.sha === sha);
  const candidateAt = at(candidate);
  const runningAt = at(running);
  return runningAt !== -1 && candidateAt !== -1 && candidateAt > runningAt;
}

export async function refuseOlderPromotion(input: {
  source: { ports: Ports; descriptor: Descriptor; env: string };
  target: { ports: Ports; descriptor: Descriptor; env: string };
  sha: string;
}): Promise<void> {
  const { source, target, sha } = input;
  const service = target.descriptor.services[0]!;
  const [ledger, status] = await Promise.all([
    readLedger(source.ports.parameters, source.descriptor.app, source.env),
    readServiceStatus(target.ports, target.descriptor, service.name, service.container),
  ]);
  if (!isOlderThan(ledger, sha, status.sha)) return;
  throw usageError(
    `${sha.slice(0, 7)} passed ${source.env} before ${status.sha!.slice(0, 7)}, which ${target.env} runs: promoting it would move ${target.env} backwards; nothing was changed`,
    `to go back on purpose: ferry rollback ${target.env} --to ${sha.slice(0, 7)}`,
    'or, if this is really what you want: ferry promote ... --allow-older',
  );
}
