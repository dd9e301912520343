import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { neutralize, workflowCommand } from '../../../src/cli/render/github.ts';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { DIGEST, run, SHA, SNAPSHOT, sequences } from './fixtures.ts';

/**
 * The Actions runner's reading of a log (actions/runner ActionCommand.cs): the
 * stream is split into lines at \r, \n or \r\n; a line is a command when it
 * starts with `::` after leading whitespace, or contains `##[` anywhere.
 */
function workflowCommands(log: string): { name: string; line: string }[] {
  const found: { name: string; line: string }[] = [];
  for (const line of log.split(/\r\n|\r|\n/)) {
    const trimmed = line.trimStart();
    const v2 = /^::([^ :]*)/.exec(trimmed);
    if (v2 && trimmed.indexOf('::', 2) > 0) found.push({ name: v2[1]!, line });
    const legacy = /##\[([^\] ]*)/.exec(line);
    if (legacy) found.push({ name: legacy[1]!, line });
  }
  return found;
}

let dir: string;
let summaryPath: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-render-'));
  summaryPath = join(dir, 'step_summary.md');
  env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryPath };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('GitHub Actions log', () => {
  it('wraps each step in a log group, never nested', async () => {
    const { stderr } = await run('plain', sequences.happyDeploy, { env });
    const lines = stderr.lines;
    const open = lines.indexOf('::group::step snapshot');
    expect(open).toBeGreaterThan(-1);
    expect(lines[open + 1]).toMatch(/step snapshot start$/);
    expect(lines[open + 2]).toMatch(/step snapshot done 12s$/);
    expect(lines[open + 3]).toBe('::endgroup::');
    let depth = 0;
    for (const line of lines) {
      if (line.startsWith('::group::')) depth++;
      if (line === '::endgroup::') depth--;
      expect(depth === 0 || depth === 1).toBe(true);
    }
    expect(depth).toBe(0);
  });

  it('annotates a failed step and a failed release as errors, with the snapshot id', async () => {
    const { stderr } = await run('plain', sequences.rolledBackDeploy, { env });
    const errors = stderr.lines.filter((line) => line.startsWith('::error '));
    expect(errors).toContain(
      '::error title=deploy shop staging 1a2b3c4%3A step watch failed::watch failed 1m01s: circuit breaker rolled the deployment back',
    );
    expect(errors.at(-1)).toBe(
      `::error title=deploy shop staging 1a2b3c4%3A rolled_back (exit 1)::the deployment circuit breaker rolled back: CannotPullContainerError%0Asnapshot: ${SNAPSHOT}`,
    );
    expect(stderr.lines.filter((line) => line.startsWith('::warning '))).toHaveLength(2);
  });

  it('adds no error annotation to a successful deploy', async () => {
    const { stderr } = await run('plain', sequences.happyDeploy, { env });
    expect(stderr.text).not.toContain('::error');
    expect(stderr.text).not.toContain('::warning');
  });

  it('keeps stdout pure NDJSON under --json, with groups on stderr', async () => {
    const { stdout, stderr } = await run('json', sequences.rolledBackDeploy, { env });
    for (const line of stdout.lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(workflowCommands(stdout.text)).toEqual([]);
    expect(stderr.text).toContain('::group::step watch');
  });
});

describe('GitHub job summary', () => {
  it('has the title, outcome, SHA, digest, snapshot id and a table of steps with timings', async () => {
    await run('plain', sequences.happyDeploy, { env });
    const summary = await readFile(summaryPath, 'utf8');
    expect(summary).toContain(`<h2>✅ ferry deploy shop staging ${SHA}</h2>`);
    expect(summary).toContain('<b>deployed</b> · exit 0');
    expect(summary).toContain(`<th>SHA</th><td><code>${SHA}</code></td>`);
    expect(summary).toContain(`<code>${DIGEST}</code>`);
    expect(summary).toContain(`<th>Snapshot</th><td><code>${SNAPSHOT}</code></td>`);
    expect(summary).toContain('<tr><th>Step</th><th>Status</th><th>Time</th><th>Detail</th></tr>');
    expect(summary).toContain('<tr><td>snapshot</td><td>✅ done</td><td>12s</td><td> </td></tr>');
    expect(summary).toContain('<tr><td>watch</td><td>✅ done</td><td>1m35s</td>');
    expect(summary.match(/<tr><td>/g)).toHaveLength(10);
  });

  it('explains a rolled-back release with its reason', async () => {
    await run('json', sequences.rolledBackDeploy, { env });
    const summary = await readFile(summaryPath, 'utf8');
    expect(summary).toContain('<h2>↩️ ferry');
    expect(summary).toContain('<b>rolled back</b> · exit 1');
    expect(summary).toContain(
      '<td>watch</td><td>❌ failed</td><td>1m01s</td><td>circuit breaker rolled the deployment back</td>',
    );
    expect(summary).toContain('<h3>Rollback reason</h3>');
    expect(summary).toContain('CannotPullContainerError');
  });

  it('lists next steps for an exit-3 failure', async () => {
    await run('plain', sequences.brokenRollback, { env });
    const summary = await readFile(summaryPath, 'utf8');
    expect(summary).toContain('<h2>🚨 ferry');
    expect(summary).toContain('<h3>Next steps</h3>');
    expect(summary).toContain('<li>ferry status staging</li>');
    expect(summary).toContain(SNAPSHOT);
  });

  it('appends to what earlier steps of the job wrote', async () => {
    await run('plain', sequences.happyDeploy, { env });
    await run('plain', sequences.rolledBackDeploy, { env });
    const summary = await readFile(summaryPath, 'utf8');
    expect(summary.match(/<h2>/g)).toHaveLength(2);
  });

  it('escapes HTML that comes from event text', async () => {
    await run(
      'plain',
      [{ type: 'result', outcome: 'failed', exitCode: 1, reason: '<img src=x onerror=alert(1)>' }],
      {
        env,
      },
    );
    const summary = await readFile(summaryPath, 'utf8');
    expect(summary).not.toContain('<img');
    expect(summary).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('says so when the run ended without a result, marking unfinished steps', async () => {
    await run('plain', sequences.happyDeploy.slice(0, 5), { env });
    const summary = await readFile(summaryPath, 'utf8');
    expect(summary).toContain('<h2>❓ ferry');
    expect(summary).toContain('<td>snapshot</td><td>⏳ unfinished</td>');
  });

  it('is not written outside GitHub Actions', async () => {
    await run('plain', sequences.happyDeploy, { env: { GITHUB_STEP_SUMMARY: summaryPath } });
    await expect(readFile(summaryPath, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('reports an unwritable summary on stderr without failing close()', async () => {
    const { stdout, stderr } = await run('json', sequences.happyDeploy, {
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: dir },
    });
    expect(stderr.text).toContain('ferry: could not write the GitHub job summary');
    expect(JSON.parse(stdout.lines.at(-1)!).type).toBe('result');
  });
});

describe('workflow command injection', () => {
  const hostile = [
    '::set-output name=leak::x',
    'ok\n::add-mask::hunter2',
    'ok\r::add-mask::hunter2',
    'ok\r\n  ::set-output name=leak::x',
    'text ##[add-mask]hunter2',
    '##[set-output name=leak;]x',
    'ok\u2028::add-mask::hunter2',
    '\x1b[2K\r::add-mask::hunter2',
    '%0A::add-mask::hunter2',
    '::stop-commands::token',
  ];
  const events = (text: string): FerryEvent[] => [
    { type: 'step', step: 'migrate', status: 'start', elapsedMs: 0 },
    { type: 'log', level: 'warn', message: text },
    { type: 'log', level: 'error', message: text },
    { type: 'migration_log', message: text, timestamp: '2026-11-22T23:10:20Z' },
    {
      type: 'service_event',
      service: 'web',
      message: text,
      createdAt: '2026-11-22T23:10:20Z',
      failure: true,
    },
    { type: 'task_stopped', taskArn: 'arn:task/1', reason: text, exitCode: 1 },
    { type: 'health', url: 'http://x/health', ok: false, consecutive: 0, error: text },
    { type: 'plan', env: 'staging', sha: SHA, digest: DIGEST, image: 'repo', lines: [text] },
    { type: 'step', step: 'migrate', status: 'failed', elapsedMs: 10, detail: text },
    { type: 'result', outcome: 'failed', exitCode: 1, reason: text, next: [text] },
  ];

  for (const mode of ['plain', 'json'] as const) {
    it(`cannot emit a workflow command from event text (${mode})`, async () => {
      for (const text of hostile) {
        const { stdout, stderr } = await run(mode, events(text), { env, title: `deploy ${text}` });
        const commands = [...workflowCommands(stdout.text), ...workflowCommands(stderr.text)];
        expect(commands.length).toBeGreaterThan(0);
        for (const command of commands)
          expect(['group', 'endgroup', 'error', 'warning'], command.line).toContain(command.name);
        // The annotations ferry meant to write are still there, with the hostile text escaped inside them.
        expect(commands.filter((c) => c.name === 'error').length).toBeGreaterThanOrEqual(2);
      }
    });
  }

  it('escapes a message so that it stays on one command line', () => {
    expect(workflowCommand('error', { title: 'a: b, c' }, '50%\r\ndone')).toBe(
      '::error title=a%3A b%2C c::50%25%0D%0Adone',
    );
  });

  it('neutralizes lines that the runner would read as commands', () => {
    expect(neutralize('  ::add-mask::x').trimStart().startsWith('::')).toBe(false);
    expect(neutralize('a ##[add-mask]x')).not.toContain('##[');
    expect(neutralize('2026-11-22T23:10:01Z step deploy start')).toBe(
      '2026-11-22T23:10:01Z step deploy start',
    );
  });
});
