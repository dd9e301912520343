import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeProcessRunner } from '../../../src/build/process.ts';

const runner = nodeProcessRunner();
const env = { PATH: process.env.PATH ?? '' };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-process-'));
  await writeFile(join(dir, 'tool'), '#!/bin/sh\necho hi\n');
  await chmod(join(dir, 'tool'), 0o755);
  await writeFile(join(dir, 'not-executable'), 'x');
  await mkdir(join(dir, 'a-directory'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the process runner', () => {
  it('streams complete lines from both streams and returns the exit code', async () => {
    const lines: string[] = [];
    const res = await runner.run('sh', ['-c', 'printf "one\\ntwo"; echo three >&2; exit 3'], {
      env,
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('one\ntwo');
    expect(lines.sort()).toEqual(['stderr:three', 'stdout:one', 'stdout:two']);
  });

  it('answers 127 for a program that cannot be started', async () => {
    const res = await runner.run('ferry-no-such-program', [], { env });
    expect(res.code).toBe(127);
  });

  it('stops the program when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = runner.run('sleep', ['30'], { env, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const res = await pending;
    expect(res.code).toBe(143);
  });

  it('finds only executable files on PATH', async () => {
    const path = { PATH: `${join(dir, 'missing')}:${dir}` };
    expect(await runner.which('tool', path)).toBe(join(dir, 'tool'));
    expect(await runner.which('not-executable', path)).toBeUndefined();
    expect(await runner.which('a-directory', path)).toBeUndefined();
    expect(await runner.which('tool', {})).toBeUndefined();
  });

  it('kills a program that runs past its timeout and says so', async () => {
    const started = Date.now();
    const res = await nodeProcessRunner().run(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], {
      timeoutMs: 200,
    });
    expect(res.timedOut).toBe(true);
    expect(res.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
