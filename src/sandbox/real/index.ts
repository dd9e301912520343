import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../ecs/model.ts';
import type { RealDatabases } from '../services/rds.ts';
import { BuildahContainers } from './containers.ts';
import { storageArgs } from './example-image.ts';
import { exec } from './exec.ts';
import { PostgresClusters } from './postgres.ts';
import { Reaper } from './reaper.ts';
import { RealTaskRuntime } from './task-runtime.ts';

export { buildExampleImage, EXAMPLE_APP_DIR } from './example-image.ts';

/** What the load balancer forwards to a target. */
export interface ForwardedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RealModeDeps {
  writeLog: (group: string, stream: string, line: string) => void;
  parameter: (nameOrArn: string) => string | undefined;
  /** A Secrets Manager secret's string, by ARN. */
  secretString: (arn: string) => string | undefined;
  /** Whether an RDS instance of that identifier exists. */
  hasInstance: (identifier: string) => boolean;
  /** The master password an instance's managed secret holds, so the secret and the database agree. */
  masterPassword: (identifier: string) => string | undefined;
  realDelay: (simulatedMs: number) => number;
  log: (line: string) => void;
}

/**
 * A container secret's `valueFrom`, as ECS resolves it: an SSM parameter (name or ARN), or a Secrets
 * Manager ARN optionally followed by `:json-key:version-stage:version-id`.
 */
export function resolveSecret(
  valueFrom: string,
  deps: Pick<RealModeDeps, 'parameter' | 'secretString'>,
): string | undefined {
  if (valueFrom.startsWith('arn:aws:secretsmanager:')) {
    const parts = valueFrom.split(':');
    const value = deps.secretString(parts.slice(0, 7).join(':'));
    const key = parts[7];
    if (value === undefined || !key) return value;
    const field = (JSON.parse(value) as Record<string, unknown>)[key];
    return field === undefined ? undefined : String(field);
  }
  if (valueFrom.startsWith('arn:')) {
    // `...:parameter/a/b` names `/a/b`; `...:parameter/name` names `name`.
    const path = valueFrom.slice(valueFrom.indexOf(':parameter') + 10);
    return deps.parameter(path) ?? deps.parameter(path.slice(1));
  }
  return deps.parameter(valueFrom);
}

interface SnapshotRecord {
  status: 'creating' | 'available' | 'failed';
  /** The `pg_dump -Fc` archive. */
  file: string;
}

/** The sandbox's real mode: real containers, a real proxy, real PostgreSQL; all gone on stop(). */
export class RealMode {
  readonly stateDir: string;
  readonly runtime: RealTaskRuntime;
  readonly postgres: PostgresClusters;
  readonly databases: RealDatabases;
  readonly #containers: BuildahContainers;
  readonly #reaper: Reaper;
  readonly #snapshots = new Map<string, SnapshotRecord>();
  readonly #log: (line: string) => void;

  private constructor(stateDir: string, reaper: Reaper, deps: RealModeDeps) {
    this.stateDir = stateDir;
    this.#reaper = reaper;
    this.#log = deps.log;
    const storage = { root: join(stateDir, 'storage'), runroot: join(stateDir, 'runroot') };
    this.#containers = new BuildahContainers({ storage, reaper, authFile: join(stateDir, 'auth.json') });
    this.postgres = new PostgresClusters({
      stateDir,
      reaper,
      log: deps.log,
      masterPassword: deps.masterPassword,
    });
    this.runtime = new RealTaskRuntime({
      containers: this.#containers,
      databaseFor: async (cluster) => (deps.hasInstance(cluster) ? this.postgres.ensure(cluster) : undefined),
      secret: (ref) => resolveSecret(ref, deps),
      writeLog: deps.writeLog,
      realDelay: deps.realDelay,
    });
    this.databases = this.#databases();
  }

  /** Also kill `pid` if the sandbox dies without stopping (its registry, say). */
  watchProcess(pid: number | undefined): void {
    if (pid) this.#reaper.watchProcess(pid);
  }

  static async start(deps: RealModeDeps): Promise<RealMode> {
    await exec('buildah', ['--version']).catch(() => {
      throw new Error('real mode needs buildah: install it (scripts/setup.sh does)');
    });
    const stateDir = await mkdtemp(join(tmpdir(), 'ferry-sandbox-real-'));
    await writeFile(join(stateDir, 'auth.json'), '{"auths":{}}');
    const reaper = new Reaper();
    reaper.removeLater(stateDir);
    return new RealMode(stateDir, reaper, deps);
  }

  #databases(): RealDatabases {
    const snapshots = this.#snapshots;
    return {
      endpoint: (id) => {
        const db = this.postgres.running(id);
        return db && { Address: db.host, Port: db.port };
      },
      snapshotCreated: (id, instance) => {
        const record: SnapshotRecord = {
          status: 'creating',
          file: join(this.stateDir, 'snapshots', `${id}.dump`),
        };
        snapshots.set(id, record);
        this.postgres.dump(instance, record.file).then(
          () => {
            record.status = 'available';
          },
          (err: Error) => {
            record.status = 'failed';
            this.#log(`sandbox: snapshot ${id} of ${instance} failed: ${err.message}`);
          },
        );
      },
      snapshotStatus: (id) => snapshots.get(id)?.status ?? 'failed',
      snapshotDeleted: (id) => {
        const record = snapshots.get(id);
        snapshots.delete(id);
        if (record) rmSync(record.file, { force: true });
      },
      restore: async (instance, snapshot) => {
        const record = snapshots.get(snapshot);
        try {
          if (record?.status !== 'available') throw new Error(`snapshot ${snapshot} is not available`);
          await this.postgres.ensure(instance, record.file);
        } catch (err) {
          this.#log(`sandbox: restoring ${instance} from ${snapshot} failed: ${(err as Error).message}`);
          throw err;
        }
      },
    };
  }

  /** The listener's forward to one healthy target: the real app answers. */
  proxy(task: Task, forward: ForwardedRequest, res: ServerResponse): void {
    const upstream = request(
      {
        host: task.privateIp,
        port: task.target?.port ?? 8080,
        method: forward.method,
        path: forward.path,
        headers: { ...forward.headers, connection: 'close' },
        timeout: 30_000,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('502 Bad Gateway');
    });
    upstream.end(forward.body);
  }

  async stop(): Promise<void> {
    await this.#containers.stopAll();
    await this.postgres.stopAll();
    const storage = { root: join(this.stateDir, 'storage'), runroot: join(this.stateDir, 'runroot') };
    await exec('buildah', [...storageArgs(storage), 'rmi', '--all', '--force']).catch(() => undefined);
    await rm(this.stateDir, { recursive: true, force: true });
    this.#reaper.dismiss();
  }
}
