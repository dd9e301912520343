import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stripAnsi } from '../../../src/cli/render/index.ts';
import { renderJobSummary } from '../../../src/cli/render/summary.ts';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { run, sequences } from './fixtures.ts';

const TASK_ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const TASK_ARN = `arn:aws:ecs:eu-west-1:111111111111:task/shop-staging/${TASK_ID}`;
const log = (message: string, taskArn = TASK_ARN): FerryEvent => ({
  type: 'task_log',
  service: 'shop-staging-web',
  taskArn,
  message,
  timestamp: '2026-11-22T23:10:40.000Z',
});

/** The rolled-back deploy with a crashed task's last lines right after its task_stopped. */
function withTaskLogs(lines: FerryEvent[]): FerryEvent[] {
  const events = [...sequences.rolledBackDeploy];
  const at = events.findIndex((e) => e.type === 'task_stopped') + 1;
  events.splice(at, 0, ...lines);
  return events;
}

const crash = [
  log('server: version 1a2b3c4 listening on :8080'),
  log('Error: connect ECONNREFUSED 10.0.3.12:5432'),
];

describe('task_log rendering', () => {
  it('plain: one `task-log <service> <taskId> | <line>` per line, every line of a multi-line message stamped', async () => {
    const { stderr } = await run('plain', withTaskLogs([...crash, log('first\nsecond')]));
    const lines = stderr.lines.filter((l) => / task-log /.test(l)).map((l) => l.slice(21));
    expect(lines).toEqual([
      `task-log shop-staging-web ${TASK_ID} | server: version 1a2b3c4 listening on :8080`,
      `task-log shop-staging-web ${TASK_ID} | Error: connect ECONNREFUSED 10.0.3.12:5432`,
      `task-log shop-staging-web ${TASK_ID} | first`,
      `task-log shop-staging-web ${TASK_ID} | second`,
    ]);
  });

  it('plain: strips escape codes and carriage returns a container printed', async () => {
    const { stderr } = await run('plain', [log('\x1b[31mboom\x1b[0m\rover\x07')]);
    expect(stderr.text).not.toMatch(/[\x1b\r\x07]/);
    expect(stderr.lines.slice(-2).map((l) => l.replace(/^.* \| /, ''))).toEqual(['boom', 'over']);
  });

  it('json: the event as it is, one NDJSON line with ts', async () => {
    const { stdout } = await run('json', [crash[1]!]);
    expect(JSON.parse(stdout.lines[0]!)).toEqual({
      type: 'task_log',
      ts: expect.any(String),
      service: 'shop-staging-web',
      taskArn: TASK_ARN,
      message: 'Error: connect ECONNREFUSED 10.0.3.12:5432',
      timestamp: '2026-11-22T23:10:40.000Z',
    });
  });

  it('tty: scrolls above the live block, dimmed, with the failure words in red', async () => {
    const { stderr } = await run('tty', withTaskLogs(crash), { color: true });
    const text = stderr.text;
    const at = text.indexOf('ECONNREFUSED');
    expect(at).toBeGreaterThan(-1);
    const line = text.slice(text.lastIndexOf('\n', at) + 1, text.indexOf('\n', at));
    expect(stripAnsi(line)).toBe(
      `  shop-staging-web ${TASK_ID.slice(0, 8)} │ Error: connect ECONNREFUSED 10.0.3.12:5432`,
    );
    expect(line).toContain('\x1b[31m\x1b[1mError\x1b[22m\x1b[39m');
    expect(line).toContain('\x1b[2m: connect ECONNREFUSED 10.0.3.12:5432\x1b[22m');
    // Written before the step list is drawn again below it.
    expect(text.indexOf('watch', at)).toBeGreaterThan(at);
  });

  it('tty: keeps escape codes a container printed out of the terminal', async () => {
    const { stderr } = await run('tty', [log('\x1b[2J\x1b[Hwiped')], { color: false });
    expect(stderr.text).not.toContain('\x1b[2J');
    expect(stderr.text).toContain(`shop-staging-web ${TASK_ID.slice(0, 8)} │ wiped`);
  });

  describe('in GitHub Actions', () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ferry-task-log-'));
      env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'summary.md') };
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes the lines inside the open step group, never as workflow commands', async () => {
      const evil = log('::error::injected ##[warning]too');
      const { stderr } = await run('plain', withTaskLogs([...crash, evil]), { env });
      const lines = stderr.lines;
      const first = lines.findIndex((l) => l.includes('task-log'));
      const open = lines.lastIndexOf('::group::step watch', first);
      const close = lines.indexOf('::endgroup::', open);
      expect(open).toBeGreaterThan(-1);
      expect(first).toBeGreaterThan(open);
      const last = lines.findLastIndex((l) => l.includes('task-log'));
      expect(last).toBeLessThan(close);
      for (const l of lines.slice(first, last + 1)) {
        expect(l.trimStart().startsWith('::')).toBe(false);
        expect(l).not.toContain('##[');
      }
      expect(lines.filter((l) => l.startsWith('::error ')).some((l) => l.includes('injected'))).toBe(false);
    });

    it("shows each failed task's lines in the job summary", async () => {
      await run('plain', withTaskLogs([...crash, log('<script>alert(1)</script> & done')]), { env });
      const summary = await readFile(join(dir, 'summary.md'), 'utf8');
      expect(summary).toContain('<h3>Failed task logs</h3>');
      expect(summary).toContain(`<p><code>shop-staging-web</code> task <code>${TASK_ID}</code></p>`);
      expect(summary).toContain(
        '<pre>server: version 1a2b3c4 listening on :8080\nError: connect ECONNREFUSED 10.0.3.12:5432\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; done</pre>',
      );
    });
  });

  it('leaves the job summary without a log section when no task failed', async () => {
    const text = await renderJobSummary({ title: 't', steps: [], result: undefined, now: 0, taskLogs: [] });
    expect(text).not.toContain('Failed task logs');
  });
});
