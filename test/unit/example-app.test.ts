// examples/app: the app ferry's docs and end-to-end tests deploy.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/app/app.ts';
import { ferryConfigSchema } from '../../src/config/schema.ts';

const APP_DIR = fileURLToPath(new URL('../../examples/app/', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `node server.ts` on 127.0.0.1 with a free port and returns its base URL. */
async function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['server.ts'], {
    cwd: APP_DIR,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url, child };
}

describe('example app', () => {
  it('reports APP_VERSION at GET /health, as ferry’s health check expects', async () => {
    const { url } = await startServer({ APP_VERSION: '3f2a9c1' });
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: '3f2a9c1' });
  });

  it('stops cleanly on SIGTERM, as ECS stops tasks', async () => {
    const { child } = await startServer({ APP_VERSION: 'abc1234' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('answers 404 for unknown paths', async () => {
    const server = createApp({ version: 'abc1234' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/nope`);
      expect(res.status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('migrates: prints each migration in order and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['migrate.ts'], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, DATABASE_HOST: 'db.internal' },
    });
    expect(stdout.split('\n').filter((l) => l.startsWith('applying '))).toEqual([
      'applying 001_create_orders.sql',
      'applying 002_add_orders_total.sql',
    ]);
  });

  it('ships a ferry.config.json that ferry accepts, running the migrate command the image contains', () => {
    const config = ferryConfigSchema.parse(JSON.parse(readFileSync(`${APP_DIR}ferry.config.json`, 'utf8')));
    expect(config.migrate?.command).toEqual(['node', 'migrate.ts']);
    expect(config.environments.production?.promoteFrom).toBe('staging');
    const dockerfile = readFileSync(`${APP_DIR}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/^COPY .*migrate\.ts/m);
  });

  it('points each environment at the deploy role the stacks create for it', () => {
    const config = ferryConfigSchema.parse(JSON.parse(readFileSync(`${APP_DIR}ferry.config.json`, 'utf8')));
    for (const [env, { roleArn }] of Object.entries(config.environments)) {
      expect(roleArn).toMatch(new RegExp(`:role/${config.app}-${env}-deploy$`));
    }
  });
});
