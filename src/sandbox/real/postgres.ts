import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../registry.ts';
import { exec } from './exec.ts';
import type { Reaper } from './reaper.ts';

/** Where a real instance listens, and the master credentials the sandbox gives its tasks. */
export interface PgInstance {
  identifier: string;
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  database: string;
  url: string;
}

interface Running extends PgInstance {
  dataDir: string;
  postmaster: ChildProcess;
}

/** PostgreSQL's own binaries: version 15 when installed (Debian's postgresql-15), else the newest. */
export async function postgresBinDir(): Promise<string> {
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  const pick = versions.includes('15') ? '15' : versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!pick) {
    throw new Error(
      'real mode needs PostgreSQL: install postgresql-15 (scripts/setup.sh does) so /usr/lib/postgresql/15/bin exists',
    );
  }
  return `/usr/lib/postgresql/${pick}/bin`;
}

/** PostgreSQL refuses to run as root: as root, its server programs run as the `postgres` user. */
async function serverUser(): Promise<{ prefix: string[]; uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const uid = Number((await exec('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await exec('id', ['-g', 'postgres'])).stdout.trim());
  return { prefix: ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'], uid, gid };
}

/** Resolves once the postmaster says it accepts connections; rejects if it exits first. */
function whenReady(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`postgres did not start within 60s: ${output()}`)),
      60_000,
    );
    child.stderr?.on('data', () => {
      if (output().includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${code}: ${output()}`));
    });
  });
}

/**
 * One real PostgreSQL cluster per RDS instance, in the sandbox's state directory on a free
 * loopback port. Snapshots are `pg_dump -Fc` files; a restore is a new cluster loaded from one.
 */
export class PostgresClusters {
  readonly #dir: string;
  readonly #reaper: Reaper;
  readonly #log: (line: string) => void;
  readonly #masterPassword: (identifier: string) => string | undefined;
  readonly #instances = new Map<string, Promise<Running>>();
  readonly #ready = new Map<string, Running>();
  #bin: Promise<string> | undefined;

  constructor(opts: {
    stateDir: string;
    reaper: Reaper;
    log: (line: string) => void;
    /** The instance's master password if something (its managed secret) already holds one. */
    masterPassword?: (identifier: string) => string | undefined;
  }) {
    this.#masterPassword = opts.masterPassword ?? (() => undefined);
    this.#dir = join(opts.stateDir, 'postgres');
    this.#reaper = opts.reaper;
    this.#log = opts.log;
  }

  #binary(name: string): Promise<string> {
    this.#bin ??= postgresBinDir();
    return this.#bin.then((dir) => join(dir, name));
  }

  /** Starts the instance's cluster the first time it is needed; later calls share it. */
  ensure(identifier: string, restoreFrom?: string): Promise<PgInstance> {
    let found = this.#instances.get(identifier);
    if (!found) {
      found = this.#start(identifier, restoreFrom);
      this.#instances.set(identifier, found);
      found.catch(() => this.#instances.delete(identifier));
    }
    return found;
  }

  /** The instance if its cluster already runs. */
  running(identifier: string): PgInstance | undefined {
    return this.#ready.get(identifier);
  }

  async #start(identifier: string, restoreFrom: string | undefined): Promise<Running> {
    const user = await serverUser();
    const home = join(this.#dir, identifier);
    const dataDir = join(home, 'data');
    await mkdir(home, { recursive: true });
    // The server user must reach its directory through the (root-owned) state directory.
    await chmod(this.#dir, 0o711);
    await chmod(join(this.#dir, '..'), 0o711);
    const password = this.#masterPassword(identifier) ?? randomBytes(12).toString('hex');
    const pwfile = join(home, 'pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (user.uid !== undefined && user.gid !== undefined) {
      await chown(home, user.uid, user.gid);
      await chown(pwfile, user.uid, user.gid);
    }
    const started = Date.now();
    const initdb = await this.#binary('initdb');
    await exec(user.prefix[0] ?? initdb, [
      ...user.prefix.slice(1),
      ...(user.prefix.length ? [initdb] : []),
      '-D',
      dataDir,
      '-U',
      'app',
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    await rm(pwfile, { force: true });
    const { child, port } = await this.#launch(dataDir, user.prefix);
    const instance: Running = {
      identifier,
      host: '127.0.0.1',
      port,
      user: 'app',
      password,
      database: 'app',
      url: `postgres://app:${encodeURIComponent(password)}@127.0.0.1:${port}/app`,
      dataDir,
      postmaster: child,
    };
    try {
      await this.#client('psql', instance, 'postgres', [
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        'CREATE DATABASE app',
      ]);
      if (restoreFrom) await this.#client('pg_restore', instance, 'app', ['--no-owner', restoreFrom]);
    } catch (err) {
      await this.#shutDown(child);
      throw err;
    }
    this.#ready.set(identifier, instance);
    this.#log(`sandbox: postgres for ${identifier} on 127.0.0.1:${port} (${Date.now() - started} ms)`);
    return instance;
  }

  /**
   * Starts the postmaster on a free port. Another process may take the port between the check
   * and the bind, so a start that fails is tried again on another port.
   */
  async #launch(dataDir: string, prefix: string[]): Promise<{ child: ChildProcess; port: number }> {
    const postgres = await this.#binary('postgres');
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        // A sandbox's database trades durability for speed: nothing here must survive a power cut.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'shared_buffers=16MB',
        '-c',
        'max_connections=40',
      ];
      const [command, ...rest] = prefix.length > 0 ? [...prefix, postgres, ...args] : [postgres, ...args];
      const child = spawn(command!, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
      if (child.pid) this.#reaper.watchPostmaster(child.pid);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      try {
        await whenReady(child, () => stderr);
        return { child, port };
      } catch (err) {
        await this.#shutDown(child);
        if (attempt >= 3) throw err;
        this.#log(
          `sandbox: postgres did not start on ${port}, trying another port: ${(err as Error).message}`,
        );
      }
    }
  }

  async #shutDown(child: ChildProcess): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // SIGQUIT is PostgreSQL's immediate shutdown.
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (child.pid) this.#reaper.forgetPostmaster(child.pid);
  }

  /** Runs a PostgreSQL client program against `database` of the instance; resolves with its stdout. */
  async #client(program: string, instance: PgInstance, database: string, args: string[]): Promise<string> {
    // The connection string carries the password, so the client needs no environment of its own.
    const quoted = `'${instance.password.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    const conninfo = `host=127.0.0.1 port=${instance.port} user=${instance.user} password=${quoted} dbname=${database} connect_timeout=10`;
    const { stdout } = await exec(await this.#binary(program), ['-d', conninfo, ...args]);
    return stdout;
  }

  /** A consistent backup of the instance's database, as `pg_dump -Fc` writes it. */
  async dump(identifier: string, file: string): Promise<void> {
    const instance = await this.ensure(identifier);
    await mkdir(join(file, '..'), { recursive: true });
    await this.#client('pg_dump', instance, 'app', ['-Fc', '-f', file]);
  }

  /** Runs SQL through psql and returns its unaligned, tuples-only output (for tests and tools). */
  async query(identifier: string, sql: string, database = 'app'): Promise<string> {
    const instance = await this.ensure(identifier);
    const stdout = await this.#client('psql', instance, database, [
      '-AtX',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      sql,
    ]);
    return stdout;
  }

  /** Immediate shutdown of every cluster (the data is the sandbox's and goes with it). */
  async stopAll(): Promise<void> {
    const all = await Promise.allSettled(this.#instances.values());
    this.#instances.clear();
    this.#ready.clear();
    await Promise.all(
      all.map(async (result) => {
        if (result.status === 'fulfilled') await this.#shutDown(result.value.postmaster);
      }),
    );
  }
}
