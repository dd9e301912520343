import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { BuildahStorage } from './example-image.ts';
import { storageArgs } from './example-image.ts';
import { exec } from './exec.ts';
import type { Reaper } from './reaper.ts';

/** The parts of an OCI image config a container starts from. */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

export interface RunSpec {
  container: string;
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  user?: string;
  onLine: (line: string) => void;
  onExit: (code: number) => void;
}

export interface RunningContainer {
  pid: number;
  /** SIGTERM to the container's process, SIGKILL to everything after `timeoutMs`. */
  stop(timeoutMs: number): void;
  readonly exited: boolean;
}

// buildah's own report of the exit, not the container's output.
const BUILDAH_NOISE = /^(subprocess exited (with status \d+|on \w+)|Error: exit status \d+|time=".*level=)/;

/** The descendants of `pid` that have no children themselves: the processes a container runs. */
export function leafDescendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const leaves: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      if (parents.has(child)) queue.push(child);
      else leaves.push(child);
    }
  }
  return leaves;
}

/** Containers as buildah makes them: vfs storage, chroot isolation, the host's network. */
export class BuildahContainers {
  readonly #storage: BuildahStorage;
  readonly #reaper: Reaper;
  readonly #authFile: string;
  readonly #running = new Set<ChildProcess>();

  constructor(opts: { storage: BuildahStorage; reaper: Reaper; authFile: string }) {
    this.#storage = opts.storage;
    this.#reaper = opts.reaper;
    this.#authFile = opts.authFile;
    opts.reaper.removeContainersLater(opts.storage.root, opts.storage.runroot);
  }

  #buildah(args: string[]) {
    return exec('buildah', [...storageArgs(this.#storage), ...args]);
  }

  /** Pulls `image` (by digest) unless present, and makes a working container named `name`. */
  async create(name: string, image: string): Promise<{ config: ImageConfig; history: string[] }> {
    await this.#buildah([
      'from',
      '--tls-verify=false',
      '--authfile',
      this.#authFile,
      '--name',
      name,
      `docker://${image}`,
    ]).catch(async (err: Error) => {
      // A registry hiccup must not hide a present image: try the local copy once.
      await this.#buildah(['from', '--pull-never', '--name', name, image]).catch(() => {
        throw err;
      });
    });
    const { stdout } = await this.#buildah(['inspect', '--type', 'container', name]);
    const inspected = JSON.parse(stdout) as {
      OCIv1?: { config?: ImageConfig; history?: { created_by?: string }[] };
    };
    return {
      config: inspected.OCIv1?.config ?? {},
      history: (inspected.OCIv1?.history ?? []).map((h) => h.created_by ?? ''),
    };
  }

  run(spec: RunSpec): RunningContainer {
    const args = [...storageArgs(this.#storage), 'run', '--isolation', 'chroot'];
    if (spec.workingDir) args.push('--workingdir', spec.workingDir);
    if (spec.user) args.push('--user', spec.user);
    for (const [key, value] of Object.entries(spec.env)) args.push('--env', `${key}=${value}`);
    args.push(spec.container, '--', ...spec.argv);
    // Its own process group, so that stopping or reaping it reaches everything buildah started.
    const child = spawn('buildah', args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid ?? -1;
    this.#running.add(child);
    if (pid > 0) this.#reaper.watchGroup(pid);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (!BUILDAH_NOISE.test(line)) spec.onLine(line);
      });
    }
    let killed = false;
    let exited = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exited) return;
      exited = true;
      clearTimeout(killTimer);
      this.#running.delete(child);
      // Anything left in the group (buildah killed first) goes too.
      try {
        if (pid > 0) process.kill(-pid, 'SIGKILL');
      } catch {
        // the group is already empty
      }
      if (pid > 0) this.#reaper.forgetGroup(pid);
      spec.onExit(killed ? 137 : (code ?? (signal === 'SIGKILL' ? 137 : 143)));
    };
    child.once('exit', finish);
    child.once('error', () => finish(125, null));
    return {
      pid,
      get exited() {
        return exited;
      },
      stop(timeoutMs: number) {
        if (exited) return;
        // buildah answers SIGTERM by killing its child, so the container's own processes get it.
        const leaves = leafDescendants(pid);
        for (const p of leaves.length > 0 ? leaves : [pid]) {
          try {
            process.kill(p, 'SIGTERM');
          } catch {
            // already gone
          }
        }
        killTimer ??= setTimeout(() => {
          killed = true;
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, timeoutMs);
      },
    };
  }

  async remove(name: string): Promise<void> {
    await this.#buildah(['rm', name]).catch(() => undefined);
  }

  /** Kills every running container at once and removes all working containers. */
  async stopAll(): Promise<void> {
    const exits = [...this.#running].map(
      (child) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
        ),
    );
    for (const child of this.#running) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.all(exits);
    await this.#buildah(['rm', '--all']).catch(() => undefined);
  }
}
