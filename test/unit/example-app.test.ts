// examples/app: the app ferry's docs and end-to-end tests deploy.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/app/app.ts';
import { ferryConfigSchema } from '../../src/config/schema.ts';
import { type PgInstance, PostgresClusters } from '../../src/sandbox/real/postgres.ts';
import { Reaper } from '../../src/sandbox/real/reaper.ts';

const APP_DIR = fileURLToPath(new URL('../../examples/app/', import.meta.url));
const children: ChildProcess[] = [];
const run = promisify(execFile);

// A real PostgreSQL, as the sandbox's real mode gives each RDS instance.
let clusters: PostgresClusters;
let reaper: Reaper;
let stateDir: string;
let db: PgInstance;
let counter = 0;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'ferry-example-app-'));
  reaper = new Reaper();
  clusters = new PostgresClusters({ stateDir, reaper, log: () => {} });
  db = await clusters.ensure('example');
}, 60_000);

afterAll(async () => {
  await clusters?.stopAll();
  reaper?.dismiss();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** A fresh database on the cluster, so each test migrates from empty. */
async function freshDatabase(): Promise<string> {
  const name = `t${++counter}`;
  await clusters.query('example', `CREATE DATABASE ${name}`);
  return db.url.replace(/\/app$/, `/${name}`);
}

async function psql(database: string, sql: string): Promise<string> {
  return (await clusters.query('example', sql, database)).trim();
}

function migrate(env: Record<string, string>) {
  return run(process.execPath, ['migrate.ts'], { cwd: APP_DIR, env: { PATH: process.env.PATH, ...env } });
}

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
  it('reports APP_VERSION and a reachable database at GET /health, as ferry’s health check expects', async () => {
    const { url } = await startServer({ APP_VERSION: '3f2a9c1', DATABASE_URL: db.url });
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: '3f2a9c1', db: 'ok' });
  });

  it('reads the DATABASE_HOST/PORT/NAME/USER/PASSWORD the stacks pass', async () => {
    const { url } = await startServer({
      APP_VERSION: 'abc1234',
      DATABASE_HOST: db.host,
      DATABASE_PORT: String(db.port),
      DATABASE_NAME: db.database,
      DATABASE_USER: db.user,
      DATABASE_PASSWORD: db.password,
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('answers 503 at GET /health when the database is unreachable, or with a wrong password', async () => {
    const down = await startServer({
      APP_VERSION: 'abc1234',
      DATABASE_URL: 'postgres://app:x@127.0.0.1:1/app',
    });
    const res = await fetch(`${down.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ version: 'abc1234', db: 'unreachable' });
    const wrong = await startServer({
      APP_VERSION: 'abc1234',
      DATABASE_URL: db.url.replace(/:[0-9a-f]+@/, ':nope@'),
    });
    expect((await fetch(`${wrong.url}/health`)).status).toBe(503);
  });

  it('the BROKEN=health variant fails its health check with a working database', async () => {
    const { url } = await startServer({ APP_VERSION: 'abc1234', DATABASE_URL: db.url, BROKEN: 'health' });
    expect((await fetch(`${url}/health`)).status).toBe(503);
  });

  it('stops cleanly on SIGTERM, as ECS stops tasks', async () => {
    const { child } = await startServer({ APP_VERSION: 'abc1234' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('answers 404 for unknown paths', async () => {
    const server = createApp({ version: 'abc1234', checkDatabase: async () => {} });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/nope`);
      expect(res.status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('migrates a real database: applies each migration once, in order, and records it', async () => {
    const url = await freshDatabase();
    const first = await migrate({ DATABASE_URL: url });
    expect(first.stdout.split('\n').filter((l) => l.startsWith('migrate: applying '))).toEqual([
      'migrate: applying 001_create_orders.sql',
      'migrate: applying 002_add_orders_total.sql',
    ]);
    const again = await migrate({ DATABASE_URL: url });
    expect(again.stdout).toContain('0 migration(s) applied');
    const name = url.split('/').pop()!;
    expect(await psql(name, "SELECT string_agg(name, ',' ORDER BY name) FROM schema_migrations")).toBe(
      '001_create_orders.sql,002_add_orders_total.sql',
    );
    expect(
      await psql(
        name,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'total_cents'",
      ),
    ).toBe('1');
  });

  it('the BROKEN=migration variant exits 1, naming the failing file, and keeps the earlier migrations', async () => {
    const url = await freshDatabase();
    const failed = await migrate({ DATABASE_URL: url, BROKEN: 'migration' }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('900_broken.sql');
    const name = url.split('/').pop()!;
    expect(await psql(name, 'SELECT count(*) FROM schema_migrations')).toBe('2');
  });

  it('migrate exits 2 when no database is configured', async () => {
    const failed = await migrate({}).then(
      () => undefined,
      (err: { code: number }) => err,
    );
    expect(failed?.code).toBe(2);
  });

  it('ships a ferry.config.json that ferry accepts, running the migrate command the image contains', () => {
    const config = ferryConfigSchema.parse(JSON.parse(readFileSync(`${APP_DIR}ferry.config.json`, 'utf8')));
    expect(config.migrate?.command).toEqual(['node', 'migrate.ts']);
    expect(config.environments.production?.promoteFrom).toBe('staging');
    const dockerfile = readFileSync(`${APP_DIR}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/^COPY .*migrate\.ts/m);
    expect(dockerfile).toMatch(/^COPY .*db\.ts/m);
  });

  it('points each environment at the deploy role the stacks create for it', () => {
    const config = ferryConfigSchema.parse(JSON.parse(readFileSync(`${APP_DIR}ferry.config.json`, 'utf8')));
    for (const [env, { roleArn }] of Object.entries(config.environments)) {
      expect(roleArn).toMatch(new RegExp(`:role/${config.app}-${env}-deploy$`));
    }
  });
});
