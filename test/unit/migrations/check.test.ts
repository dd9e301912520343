import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../src/errors.ts';
import { type CheckInput, checkMigrations } from '../../../src/migrations/check.ts';
import type { Git } from '../../../src/migrations/git.ts';
import type { FerryEvent } from '../../../src/pipeline/events.ts';

const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);

function gitWith(files: Record<string, string>, known = [OLD, NEW]): Git & { calls: number } {
  const git = {
    calls: 0,
    async commit(rev: string) {
      git.calls++;
      return known.find((k) => k.startsWith(rev));
    },
    isShallow: async () => true,
    changedFiles: async () => Object.keys(files),
    listFiles: async () => Object.keys(files),
    readFile: async (_rev: string, path: string) => files[path]!,
  };
  return git;
}

function input(overrides: Partial<CheckInput> & { events: FerryEvent[] }): CheckInput {
  const { events, ...rest } = overrides;
  return {
    globs: ['db/*.sql'],
    mode: undefined,
    env: 'staging',
    sha: NEW,
    runningSha: async () => OLD,
    git: gitWith({ 'db/002.sql': 'ALTER TABLE orders DROP COLUMN note;\nCREATE INDEX i ON orders (id);' }),
    emit: (e) => events.push(e),
    ...rest,
  };
}

const logs = (events: FerryEvent[]) =>
  events.flatMap((e) => (e.type === 'log' ? [`${e.level} ${e.message}`] : []));

describe('checkMigrations', () => {
  it('is off without migrate.paths: no git, no output', async () => {
    const events: FerryEvent[] = [];
    const git = gitWith({});
    expect(await checkMigrations(input({ events, globs: undefined, git }))).toEqual([]);
    expect(events).toEqual([]);
    expect(git.calls).toBe(0);
  });

  it('reports each finding as path:line rule: why — fix (danger as error, warning as warn) and a summary', async () => {
    const events: FerryEvent[] = [];
    const findings = await checkMigrations(input({ events }));
    expect(findings.map((f) => f.rule)).toEqual(['drop-column', 'create-index']);
    const lines = logs(events);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^error db\/002\.sql:1 drop-column: drops a column .* — deploy code that no longer/,
    );
    expect(lines[1]).toMatch(/^warn db\/002\.sql:2 create-index: .* — CREATE INDEX CONCURRENTLY/);
    expect(lines[2]).toBe(
      'error 1 migration file checked (added or changed between aaaaaaa (running) and bbbbbbb): 1 danger, 1 warning',
    );
  });

  it('says so when nothing is dangerous', async () => {
    const events: FerryEvent[] = [];
    await checkMigrations(
      input({ events, git: gitWith({ 'db/003.sql': 'ALTER TABLE o ADD COLUMN x int;' }) }),
    );
    expect(logs(events)).toEqual([
      'info 1 migration file checked (added or changed between aaaaaaa (running) and bbbbbbb): nothing dangerous',
    ]);
  });

  it('with dangerous "fail" and a danger, stops with exit 2 naming the findings and the way out', async () => {
    const events: FerryEvent[] = [];
    const err = await checkMigrations(input({ events, mode: 'fail' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    const failure = err as FerryError;
    expect(failure.exitCode).toBe(2);
    expect(failure.message).toContain('1 dangerous migration statement (db/002.sql:1 drop-column)');
    expect(failure.message).toContain('nothing was changed');
    expect(failure.hints.join(' ')).toContain('"dangerous": "warn"');
    expect(logs(events)[0]).toContain('drop-column');
  });

  it('with dangerous "fail" lets warnings through', async () => {
    const events: FerryEvent[] = [];
    const git = gitWith({ 'db/004.sql': 'CREATE INDEX i ON orders (id);' });
    const findings = await checkMigrations(input({ events, mode: 'fail', git }));
    expect(findings.map((f) => f.severity)).toEqual(['warning']);
  });

  it('emits one warning and checks nothing when the running commit is not in a shallow clone', async () => {
    const events: FerryEvent[] = [];
    const git = gitWith({ 'db/002.sql': 'DROP TABLE orders;' }, [NEW]);
    expect(await checkMigrations(input({ events, mode: 'warn', git }))).toEqual([]);
    const lines = logs(events);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn migrations not checked: .*shallow clone.*fetch-depth: 0/);
  });

  it('with dangerous "fail" refuses (exit 2) what it cannot check, saying how to fix the checkout', async () => {
    const events: FerryEvent[] = [];
    const git = gitWith({ 'db/002.sql': 'DROP TABLE orders;' }, [NEW]);
    const refused = await checkMigrations(input({ events, mode: 'fail', git })).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(FerryError);
    expect((refused as FerryError).exitCode).toBe(2);
    expect((refused as FerryError).message).toMatch(/shallow clone.*fetch-depth: 0.*nothing was changed/);
  });

  it('checks every migration when nothing is known to run (first deploy)', async () => {
    const events: FerryEvent[] = [];
    await checkMigrations(input({ events, runningSha: async () => undefined }));
    expect(logs(events).at(-1)).toContain('every migration at bbbbbbb');
  });

  it('checks every migration, with a warning, when what runs cannot be read', async () => {
    const events: FerryEvent[] = [];
    const findings = await checkMigrations(
      input({
        events,
        runningSha: async () => {
          throw new Error('ServiceNotFoundException');
        },
      }),
    );
    expect(findings).toHaveLength(2);
    expect(logs(events)[0]).toContain(
      'could not read which version runs in staging (ServiceNotFoundException)',
    );
  });

  it('never gives an all-clear when a glob matches no file: a warning, and the summary says so', async () => {
    const events: FerryEvent[] = [];
    const git = gitWith({ 'db/001_orders.sql': 'SELECT 1;' });
    await checkMigrations(input({ events, git, globs: ['db/*.sql', 'db/migrations/*.sql'] }));
    expect(logs(events).join('\n')).toContain('"db/migrations/*.sql" matches no file');
    expect(logs(events).join('\n')).not.toMatch(/^info .*nothing dangerous$/m);
  });

  it('with dangerous "fail", refuses (exit 2) when a glob matches no file', async () => {
    const events: FerryEvent[] = [];
    const git = gitWith({ 'db/001_orders.sql': 'SELECT 1;' });
    const refused = checkMigrations(input({ events, git, mode: 'fail', globs: ['db/migraitons/*.sql'] }));
    await expect(refused).rejects.toBeInstanceOf(FerryError);
    await expect(refused).rejects.toMatchObject({ exitCode: 2 });
  });

  it('checks files a [0-9]*.sql glob names instead of reporting nothing dangerous', async () => {
    const events: FerryEvent[] = [];
    const git = gitWith({ 'db/002_drop.sql': 'ALTER TABLE orders DROP COLUMN note;' });
    const findings = await checkMigrations(input({ events, git, globs: ['db/[0-9]*.sql'] }));
    expect(findings.some((f) => f.severity === 'danger')).toBe(true);
  });
});
