// Workflows as users copy them: every action pinned by commit, checkout without
// persisted credentials where OIDC tokens are minted, every job bounded in time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOWS = `${ROOT}.github/workflows/`;
const files = [
  ...readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `.github/workflows/${f}`),
  ...(existsSync(`${ROOT}action.yml`) ? ['action.yml'] : []),
];

// biome-ignore lint/suspicious/noExplicitAny: workflow documents are untyped
type Doc = any;
const read = (file: string) => readFileSync(`${ROOT}${file}`, 'utf8');

/** `uses:` lines as written (the version comment is not in the parsed document). */
function usesLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*(?:-\s+)?uses:\s*(.+)$/.exec(l)?.[1]?.trim())
    .filter((u): u is string => u !== undefined);
}

const PINNED = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}\s+#\s*v\d+(?:\.\d+){0,2}\S*$/;

describe.each(files)('%s', (file) => {
  const text = read(file);
  const doc: Doc = parse(text);

  it('pins every action by full commit SHA, with its version in a comment', () => {
    const external = usesLines(text).filter((u) => !u.startsWith('./') && !u.startsWith('docker://'));
    for (const uses of external) expect(uses, `${file}: ${uses}`).toMatch(PINNED);
  });

  it('gives every job a timeout', () => {
    for (const [name, job] of Object.entries<Doc>(doc.jobs ?? {})) {
      // A job that calls a reusable workflow takes its timeouts from that workflow.
      if (job.uses) continue;
      expect(job['timeout-minutes'], `${file}: job ${name}`).toBeGreaterThan(0);
    }
  });

  it('never persists the checkout credentials in a job that mints OIDC tokens', () => {
    for (const [name, job] of Object.entries<Doc>(doc.jobs ?? {})) {
      const perms = { ...(doc.permissions ?? {}), ...(job.permissions ?? {}) };
      if (perms['id-token'] !== 'write') continue;
      const checkouts = (job.steps ?? []).filter((s: Doc) =>
        String(s.uses ?? '').startsWith('actions/checkout@'),
      );
      for (const step of checkouts)
        expect(step.with?.['persist-credentials'], `${file}: job ${name}`).toBe(false);
    }
  });
});

describe('the checker', () => {
  it('refuses tags, short SHAs and pins without a version comment', () => {
    expect('actions/checkout@v4').not.toMatch(PINNED);
    expect('actions/checkout@11bd719 # v4.2.2').not.toMatch(PINNED);
    expect('actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683').not.toMatch(PINNED);
    expect('actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2').toMatch(PINNED);
  });
});
