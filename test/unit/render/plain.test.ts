import { describe, expect, it } from 'vitest';
import { ANSI, run, SNAPSHOT, sequences } from './fixtures.ts';

const STAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S/;

describe('plain mode', () => {
  for (const [name, events] of Object.entries(sequences)) {
    it(`writes only timestamped lines without ANSI codes to stderr (${name})`, async () => {
      const { stdout, stderr } = await run('plain', events);
      expect(stdout.text).toBe('');
      expect(stderr.text).not.toMatch(/\x1b/);
      for (const line of stderr.lines) expect(line).toMatch(STAMPED);
    });
  }

  it('reports a finished step with its time, at the clock time it finished', async () => {
    const { stderr } = await run('plain', sequences.happyDeploy);
    expect(stderr.lines[0]).toBe('2026-11-22T23:10:01Z ferry deploy shop staging 1a2b3c4');
    expect(stderr.lines).toContain('2026-11-22T23:10:06Z step snapshot done 12s');
    expect(stderr.lines).toContain('2026-11-22T23:10:10Z migrate applied 0042_add_orders_index');
  });

  it('prints a deployment count only when it changed since the last poll', async () => {
    const { stderr } = await run('plain', sequences.happyDeploy);
    const zeroRunning = stderr.lines.filter((line) =>
      line.includes('progress shop-staging-web new PRIMARY IN_PROGRESS running 0/2'),
    );
    expect(zeroRunning).toHaveLength(1);
    expect(stderr.text).toContain('new PRIMARY COMPLETED running 2/2');
  });

  it('ends with the outcome, exit code, identifiers and next steps', async () => {
    const { stderr } = await run('plain', sequences.brokenRollback);
    const tail = stderr.lines.slice(-8).map((line) => line.slice(21));
    expect(tail).toEqual([
      'result failed (exit 3: the rollback failed or the state is unknown: a person must look now)',
      'env staging',
      'sha 1a2b3c4',
      expect.stringMatching(/^digest sha256:/),
      `snapshot ${SNAPSHOT}`,
      'reason the rollback did not verify',
      'next ferry status staging',
      `next restore the database from snapshot ${SNAPSHOT} if the schema changed`,
    ]);
  });

  it('shows debug logs only when verbose', async () => {
    const events = [{ type: 'log', level: 'debug', message: 'polling DescribeServices' } as const];
    expect((await run('plain', events)).stderr.text).not.toContain('polling');
    expect((await run('plain', events, { verbose: true })).stderr.text).toContain(
      'debug polling DescribeServices',
    );
  });

  it('strips escape codes and carriage returns from event text and stamps every line of it', async () => {
    const { stderr } = await run('plain', [
      {
        type: 'migration_log',
        message: '\x1b[31mred\x1b[0m\rover\nsecond line',
        timestamp: '2026-11-22T23:10:20Z',
      },
    ]);
    expect(stderr.text).not.toMatch(ANSI);
    expect(stderr.text).not.toContain('\r');
    expect(stderr.lines.slice(1)).toEqual([
      '2026-11-22T23:10:01Z migrate red',
      '2026-11-22T23:10:01Z migrate over',
      '2026-11-22T23:10:01Z migrate second line',
    ]);
  });

  it('writes no workflow commands outside GitHub Actions', async () => {
    const { stderr } = await run('plain', sequences.rolledBackDeploy);
    expect(stderr.text).not.toContain('::');
  });
});

describe('plain mode: the plan', () => {
  it('names the image pinned by digest exactly once, whether or not the event already carries the digest', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    for (const image of ['repo.example/shop', `repo.example/shop@${digest}`]) {
      const { stderr } = await run('plain', [
        { type: 'plan', env: 'staging', sha: '1a2b3c4', digest, image, lines: [] },
      ]);
      const header = stderr.lines.find((line) => line.includes(' plan '));
      expect(header?.slice(21)).toBe(`plan staging 1a2b3c4 repo.example/shop@${digest}`);
    }
  });
});
