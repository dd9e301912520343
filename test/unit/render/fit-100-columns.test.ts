import { describe, expect, it } from 'vitest';
import { releaseTable } from '../../../src/cli/release-table.ts';
import { visibleWidth } from '../../../src/cli/render/index.ts';
import { compactServiceEvent, shortActor, shortArn, shortenArns } from '../../../src/cli/render/shorten.ts';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import type { LedgerEntry } from '../../../src/pipeline/ledger.ts';
import { run } from './fixtures.ts';

const ACCOUNT = '222222222222';
const SERVICE = 'shop-production-web';
const ROLE_ACTOR = `arn:aws:sts::${ACCOUNT}:assumed-role/shop-production-deploy-role-github-actions/GitHubActions`;
const TASK_DEF = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${SERVICE}:1234`;
const TARGET_GROUP = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/shop-prod-web-tg/0123456789abcdef`;
const TASK = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

function entry(version: number, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    version,
    sha: 'a'.repeat(40),
    digest: `sha256:${'9'.repeat(64)}`,
    taskDefinitionArn: TASK_DEF,
    previousTaskDefinitionArn: TASK_DEF.replace(':1234', ':1233'),
    snapshotId: 'ferry-production-aaaaaaa-20261122231000',
    outcome: 'rolled_back',
    actor: ROLE_ACTOR,
    startedAt: '2026-11-22T23:10:00.000Z',
    finishedAt: '2026-11-22T23:59:59.123Z',
    steps: [],
    ...overrides,
  };
}

const widest = (text: string) => Math.max(...text.split('\n').map(visibleWidth));

describe('tables fit 100 columns', () => {
  it('the history table, with long actors, ARNs and three-digit versions, and status indents it by 2', () => {
    const table = releaseTable([
      entry(100, { kind: 'rollback', outcome: 'deployed' }),
      entry(99, { kind: 'promote' }),
      entry(98, { actor: `arn:aws:iam::${ACCOUNT}:user/a-very-long-iam-user-name-for-a-person` }),
    ]);
    expect(widest(table) + 2).toBeLessThanOrEqual(100);
  });

  it('shows the actor as role/session and the revision, never the full ARNs', () => {
    const table = releaseTable([entry(7)]);
    expect(table).not.toContain('arn:aws');
    expect(table).toMatch(/shop-prod\S*…\S*\/GitHubActions/);
    expect(table).toMatch(/\b1234\b/);
  });

  it('has a kind column, and shows records written without a kind as deploys', () => {
    const table = releaseTable([
      entry(3, { kind: 'rollback', outcome: 'deployed' }),
      entry(2, { kind: 'promote', outcome: 'deployed' }),
      entry(1, { outcome: 'deployed' }),
    ]);
    const [header, ...rows] = table.split('\n');
    expect(header).toMatch(/\bkind\b/);
    expect(rows[0]).toMatch(/\brollback\s+deployed\b/);
    expect(rows[1]).toMatch(/\bpromote\s+deployed\b/);
    expect(rows[2]).toMatch(/\bdeploy\s+deployed\b/);
  });
});

describe('ECS event lines', () => {
  const events: FerryEvent[] = [
    {
      type: 'service_event',
      service: SERVICE,
      message: `(service ${SERVICE}) has started 2 tasks: (task ${TASK}) (task ${TASK.split('').reverse().join('')}).`,
      createdAt: '2026-11-22T23:10:31Z',
      failure: false,
    },
    {
      type: 'service_event',
      service: SERVICE,
      message: `(service ${SERVICE}) registered 1 targets in (target-group ${TARGET_GROUP})`,
      createdAt: '2026-11-22T23:10:41Z',
      failure: false,
    },
    {
      type: 'service_event',
      service: SERVICE,
      message: `(service ${SERVICE}) (task ${TASK}) (port 8080) is unhealthy in (target-group ${TARGET_GROUP}) due to (reason Health checks failed).`,
      createdAt: '2026-11-22T23:10:51Z',
      failure: true,
    },
  ];

  it('fit 100 columns on a terminal', async () => {
    const { stderr } = await run('tty', events, { color: true, columns: 200 });
    for (const line of stderr.text.split('\n')) expect(visibleWidth(line), line).toBeLessThanOrEqual(100);
  });

  it.each(['tty', 'plain'] as const)('%s: name the service once and shorten ARNs', async (mode) => {
    const { stderr } = await run(mode, events, { color: false });
    // A terminal wraps a long event under its message; read each event as one line.
    const lines = stderr.text
      .replace(/\n {4,}/g, ' ')
      .split('\n')
      .filter((l) => l.includes('targets in') || l.includes('unhealthy'));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.split(SERVICE)).toHaveLength(2);
      expect(line).not.toContain('arn:aws');
      expect(line).toContain('(target-group shop-prod-web-tg)');
    }
  });

  it('--json keeps the full message', async () => {
    const { stdout } = await run('json', events);
    expect(stdout.text).toContain(TARGET_GROUP);
    expect(stdout.text).toContain(`(service ${SERVICE}) has started`);
  });
});

describe('shortening', () => {
  it.each([
    [ROLE_ACTOR, 'shop-production-deploy-role-github-actions/GitHubActions'],
    [TASK_DEF, `${SERVICE}:1234`],
    [TARGET_GROUP, 'shop-prod-web-tg'],
    [`arn:aws:iam::${ACCOUNT}:role/deploy`, 'deploy'],
    [`arn:aws:ecs:eu-west-1:${ACCOUNT}:task/shop-production/${TASK}`, TASK],
  ])('shortArn(%s)', (arn, expected) => {
    expect(shortArn(arn)).toBe(expected);
  });

  it('keeps the session of a long actor whole and cuts the role', () => {
    const actor = ROLE_ACTOR.replace('GitHubActions', 'alice@example.com-1700000000');
    const short = shortActor(actor, 50);
    expect(short.length).toBeLessThanOrEqual(50);
    expect(short).toMatch(/^shop-prod[^…]*…\/alice@example\.com-1700000000$/);
    expect(shortActor('octocat')).toBe('octocat');
  });

  it('drops only the repeated service name from an event', () => {
    expect(compactServiceEvent('web', '(service web) has reached a steady state.')).toBe(
      'has reached a steady state.',
    );
    expect(compactServiceEvent('web', '(service api) has reached a steady state.')).toBe(
      '(service api) has reached a steady state.',
    );
    expect(shortenArns(`in (target-group ${TARGET_GROUP})`)).toBe('in (target-group shop-prod-web-tg)');
  });
});
