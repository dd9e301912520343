/**
 * Short SHAs. Images are tagged with the full 40-character SHA, so a 7-character
 * `--sha` is expanded against the repository's tags and the environment's ledger
 * before anything else: a unique match is used, several are refused by name.
 */
import type { Descriptor, FerryConfig } from '../config/schema.ts';
import { isFerryError, usageError } from '../errors.ts';
import { readLedger } from './ledger.ts';
import { errorText } from './poll.ts';
import type { Ports } from './ports.ts';

const FULL_SHA = /^[0-9a-f]{40}$/;
/** How many candidates an ambiguity error names before "and N more". */
const SHOWN = 5;

export async function expandShaPrefix(
  ports: Pick<Ports, 'registry' | 'parameters'>,
  descriptor: Descriptor,
  config: FerryConfig,
  env: string,
  sha: string,
): Promise<string> {
  if (FULL_SHA.test(sha)) return sha;
  const repo = descriptor.repository.name;
  const [tags, ledger] = await Promise.all([
    ports.registry.tagsStartingWith(repo, sha).catch((err: unknown) => {
      if (isFerryError(err)) throw err;
      throw usageError(`--sha ${sha}: could not list the tags of ${repo}: ${errorText(err)}`);
    }),
    // The ledger only adds candidates; a repository that answers is enough to go on.
    readLedger(ports.parameters, descriptor.app, env).catch(() => []),
  ]);
  const candidates = [
    ...new Set([...tags, ...ledger.map((e) => e.sha)].filter((s) => FULL_SHA.test(s) && s.startsWith(sha))),
  ].sort();
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    const more = candidates.length > SHOWN ? ` and ${candidates.length - SHOWN} more` : '';
    throw usageError(
      `--sha ${sha} is ambiguous: it starts ${candidates.length} SHAs in ${repo} and the ${env} ledger: ${candidates.slice(0, SHOWN).join(', ')}${more}; give more characters, or the full SHA`,
    );
  }
  // An image tagged with the short SHA itself (pushed by hand) is still that image.
  if (tags.includes(sha)) return sha;
  throw usageError(
    `--sha ${sha}: no image in ${repo} has a tag starting with ${sha}, and no release of it is in the ${env} ledger`,
    noImageHint(config, env, sha),
  );
}

/** What puts an image for `sha` into `env`: a promotion where the config says so, else a build of that commit. */
export function noImageHint(config: FerryConfig, env: string, sha: string): string {
  const from = config.environments[env]?.promoteFrom;
  if (from) {
    return `${env} receives images from ${from}: deploy the SHA to ${from}, then run: ferry promote --from ${from} --to ${env} --sha ${sha}`;
  }
  return `build and push it from a clean checkout of that commit: git checkout ${sha} && ferry build --env ${env}`;
}
