/**
 * Promotion's source: the exact image (SHA and digest) that passed the source
 * environment, read from its ledger. Production only ever gets what staging ran.
 */
import type { Descriptor } from '../config/schema.ts';
import { usageError } from '../errors.ts';
import { type LedgerEntry, readLedger } from './ledger.ts';
import type { Ports } from './ports.ts';
import { readServiceStatus } from './status.ts';

export interface PromotionChoice {
  sha: string;
  digest: string;
  /** The source's ledger entry that proves the release passed there. */
  passed: LedgerEntry;
  /** The source's whole ledger, newest first: whether the choice is older than what the target runs. */
  sourceLedger: LedgerEntry[];
}

/** Without `sha`: what runs in `from` now, which must be a release ferry deployed and verified there. */
export async function choosePromotion(
  ports: Ports,
  descriptor: Descriptor,
  from: string,
  sha?: string,
): Promise<PromotionChoice> {
  const ledger = await readLedger(ports.parameters, descriptor.app, from);
  const passed = ledger.filter((e) => e.outcome === 'deployed');
  const entry = sha ? bySha(passed, sha, from) : await running(ports, descriptor, from, passed);
  if (!(await ports.registry.hasDigest(descriptor.repository.name, entry.digest))) {
    throw usageError(
      `the image of ${entry.sha} (${descriptor.repository.name}@${entry.digest}) no longer exists in ${from}'s repository; it cannot be promoted`,
    );
  }
  return { sha: entry.sha, digest: entry.digest, passed: entry, sourceLedger: ledger };
}

function bySha(passed: LedgerEntry[], sha: string, from: string): LedgerEntry {
  const matches = passed.filter((e) => e.sha.startsWith(sha));
  const distinct = new Set(matches.map((e) => e.sha));
  if (distinct.size > 1) {
    throw usageError(`--sha ${sha} matches several releases of ${from}; give more characters of the SHA`);
  }
  const entry = matches[0];
  if (!entry) {
    throw usageError(
      `--sha ${sha} never passed ${from}: the ${from} ledger has no deployed release of it; deploy it there first (ferry deploy ${from} --sha ${sha})`,
    );
  }
  return entry;
}

async function running(
  ports: Ports,
  descriptor: Descriptor,
  from: string,
  passed: LedgerEntry[],
): Promise<LedgerEntry> {
  const first = descriptor.services[0]!;
  const status = await readServiceStatus(ports, descriptor, first.name, first.container);
  if (!status.sha || !status.digest) {
    throw usageError(`cannot tell which release runs in ${from} (${first.name}); give --sha`);
  }
  if (status.rolloutState && status.rolloutState !== 'COMPLETED') {
    throw usageError(
      `${from} is mid-rollout (${status.rolloutState}); wait for it to finish, or give --sha of a release that passed ${from}`,
    );
  }
  const entry = passed.find((e) => e.sha === status.sha && e.digest === status.digest);
  if (!entry) {
    throw usageError(
      `what runs in ${from} (${status.sha.slice(0, 7)}, ${status.digest}) is not a release ferry deployed and verified there; give --sha of one that is`,
    );
  }
  return entry;
}
