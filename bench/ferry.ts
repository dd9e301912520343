/** The benchmark's handles on a sandbox and on the real bin/ferry. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FERRY = fileURLToPath(new URL('../bin/ferry', import.meta.url));

export interface FerryExit {
  code: number | null;
  stdout: string;
  stderr: string;
  startedAt: number;
  endedAt: number;
}

/** Runs bin/ferry; `onLine` sees each stderr line as it comes (to inject a fault at a step). */
export function ferry(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  onLine?: (line: string) => void,
): Promise<FerryExit> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(process.execPath, [FERRY, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine?.(line);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, startedAt, endedAt: performance.now() }));
  });
}

export function configDir(
  app: string,
  health: { interval: string; successes: number },
  environments: Record<string, unknown> = { staging: {} },
): string {
  const dir = mkdtempSync(join(tmpdir(), `ferry-bench-${app}-`));
  writeFileSync(
    join(dir, 'ferry.config.json'),
    JSON.stringify({
      app,
      region: 'eu-west-1',
      migrate: { command: ['npm', 'run', 'migrate'], timeout: '10m' },
      health: { path: '/health', successes: health.successes, interval: health.interval, timeout: '5m' },
      environments,
    }),
  );
  return dir;
}

/** A random 40-hex SHA: distinct short SHAs keep snapshot names of different scenarios apart. */
export function sha(): string {
  return randomBytes(20).toString('hex');
}
