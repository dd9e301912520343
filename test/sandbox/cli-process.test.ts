import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain } from '../support/in-process.ts';

const bin = new URL('../../bin/ferry', import.meta.url).pathname;
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function start(args: string[]): { child: ChildProcess; firstLine: Promise<string>; stderr: () => string } {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    proc.once('exit', (code) => reject(new Error(`ferry sandbox exited with ${code}: ${err}`)));
  });
  return { child: proc, firstLine, stderr: () => err };
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ferry sandbox as a process', () => {
  it('prints its endpoint, serves the seeded app to the SDK, and stops cleanly on SIGTERM with its registry', async () => {
    const proc = start(['sandbox', '--seed', 'shop', '--time-scale', '60']);
    const line = await proc.firstLine;
    expect(line).toMatch(/^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/);
    const endpoint = line.split('=')[1]!;
    const ssm = new SSMClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const p = await ssm.send(new GetParameterCommand({ Name: '/ferry/shop/production/descriptor' }));
    expect(JSON.parse(p.Parameter!.Value!)).toMatchObject({
      app: 'shop',
      environment: 'production',
      accountId: '222222222222',
    });
    expect(proc.stderr()).toContain('AWS_ACCESS_KEY_ID=test');

    const registries = childPids(proc.child.pid!);
    expect(registries.length).toBeGreaterThan(0);
    proc.child.kill('SIGTERM');
    const [code] = await once(proc.child, 'exit');
    expect(code).toBe(0);
    expect(registries.filter(alive)).toEqual([]);
    await expect(fetch(`${endpoint}/_sandbox/state`)).rejects.toThrow();
  });

  it('prints one JSON line in --json mode', async () => {
    const proc = start(['--json', 'sandbox']);
    const event = JSON.parse(await proc.firstLine) as Record<string, string>;
    expect(event).toMatchObject({
      type: 'sandbox',
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(event.registry).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number.isNaN(Date.parse(event.ts!))).toBe(false);
    proc.child.kill('SIGINT');
    const [code] = await once(proc.child, 'exit');
    expect(code).toBe(0);
    await expect(fetch(`http://${event.registry}/v2/`)).rejects.toThrow();
  });

  it('rejects a bad port with exit code 2 before starting anything', async () => {
    const run = await runMain(['sandbox', '--port', 'http'], { cwd: tmpdir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port');
    expect(run.stdout).toBe('');
  });
});
