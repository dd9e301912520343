import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { processesUnder } from '../support/processes.ts';

const demo = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));

it('`npm run demo` piped: the real app released end to end, no ANSI escape codes, nothing left running', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [demo], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code, output).toBe(0);
  expect(output).not.toContain('\x1b');
  // The real example app answered through the real load balancer, on its real database.
  expect(output).toMatch(
    /staging's app through its load balancer: 200 \{"version":"[0-9a-f]{40}","db":"ok"\}/,
  );
  expect(output).toMatch(
    /production's app through its load balancer: 200 \{"version":"[0-9a-f]{40}","db":"ok"\}/,
  );
  expect(output).toContain("staging's PostgreSQL after the migrations: tables orders, schema_migrations");
  expect(output).toContain('result rolled_back');
  expect(output).toContain('==> exit code 0 (0: nothing to do, nothing changed)');
  expect(output).toContain('==> status and history');
  expect(output).toMatch(/==> timings\n(.|\n)*total\s+\d+\.\d s/);
  // No container, PostgreSQL or registry process outlives the demo.
  const stateDir = /live in (\S+) until the end/.exec(output)?.[1];
  expect(stateDir, output).toBeDefined();
  expect(processesUnder(stateDir!)).toEqual([]);
}, 240_000);
