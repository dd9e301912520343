import { describe, expect, it } from 'vitest';
import { ANSI, makeReporter, run, sequences } from './fixtures.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('json mode', () => {
  for (const [name, events] of Object.entries(sequences)) {
    it(`writes one parseable line per event, with type and ts first, result last (${name})`, async () => {
      const { stdout } = await run('json', events);
      const lines = stdout.text.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(events.length);
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      parsed.forEach((object, i) => {
        expect(Object.keys(object).slice(0, 2)).toEqual(['type', 'ts']);
        expect(object.ts).toMatch(ISO);
        const { ts: _ts, ...event } = object;
        expect(event).toEqual(events[i]);
      });
      expect(parsed.at(-1)?.type).toBe('result');
      expect(parsed.filter((object) => object.type === 'result')).toHaveLength(1);
    });
  }

  it('stamps each line with the injected clock', async () => {
    const { stdout } = await run('json', sequences.happyDeploy.slice(0, 2));
    expect(stdout.lines.map((line) => JSON.parse(line).ts)).toEqual([
      '2026-11-22T23:10:01.000Z',
      '2026-11-22T23:10:02.000Z',
    ]);
  });

  it('sends human lines to stderr, in plain style, and keeps stdout for JSON only', async () => {
    const { stdout, stderr } = await run('json', sequences.rolledBackDeploy);
    for (const line of stdout.lines) expect(line.startsWith('{"type":')).toBe(true);
    expect(stderr.text).toContain('step snapshot done 12s');
    expect(stderr.text).toContain('result rolled_back (exit 1');
    expect(stderr.text).not.toMatch(ANSI);
  });

  it('writes nothing to stdout after the result, not even from close()', async () => {
    const { stdout, reporter, clock } = makeReporter('json');
    reporter.emit({ type: 'result', outcome: 'ok', exitCode: 0 });
    clock.advance(1000);
    reporter.emit({ type: 'log', level: 'info', message: 'late' });
    reporter.emit({ type: 'result', outcome: 'failed', exitCode: 3 });
    await reporter.close();
    await reporter.close();
    expect(stdout.lines).toHaveLength(1);
    expect(JSON.parse(stdout.lines[0]!)).toMatchObject({ type: 'result', outcome: 'ok', exitCode: 0 });
  });

  it('escapes the legacy ##[ command prefix without changing the parsed message', async () => {
    const message = 'boom ##[add-mask]hunter2 and ::set-output name=x::y';
    const { stdout } = await run('json', [{ type: 'log', level: 'error', message }]);
    expect(stdout.text).not.toContain('##[');
    expect(JSON.parse(stdout.lines[0]!).message).toBe(message);
  });
});
