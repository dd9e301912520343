import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// From the sources the script is .ts; in the published package (compiled to dist/) it is .js.
const SCRIPT = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './reaper-process.ts' : './reaper-process.js', import.meta.url),
);

/**
 * Guarantees that nothing real mode starts outlives the sandbox, even when the sandbox is killed
 * with SIGKILL: a detached watcher learns every process group, postmaster and directory, and
 * cleans them up when its stdin (held by the sandbox) closes without a clean `done`.
 */
export class Reaper {
  readonly #child: ChildProcess;

  constructor() {
    this.#child = spawn(process.execPath, [SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.#child.unref();
    this.#child.on('error', () => undefined);
    (this.#child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #say(line: string): void {
    if (this.#child.stdin?.writable) this.#child.stdin.write(`${line}\n`);
  }

  watchGroup(pgid: number): void {
    this.#say(`group ${pgid}`);
  }

  forgetGroup(pgid: number): void {
    this.#say(`ungroup ${pgid}`);
  }

  /** A single process (not a group) to kill, such as the sandbox's registry. */
  watchProcess(pid: number): void {
    this.#say(`pid ${pid}`);
  }

  watchPostmaster(pid: number): void {
    this.#say(`postmaster ${pid}`);
  }

  forgetPostmaster(pid: number): void {
    this.#say(`unpostmaster ${pid}`);
  }

  removeLater(dir: string): void {
    this.#say(`dir ${dir}`);
  }

  removeContainersLater(root: string, runroot: string): void {
    this.#say(`storage ${root}\t${runroot}`);
  }

  /** The sandbox cleaned up by itself: the reaper exits without touching anything. */
  dismiss(): void {
    this.#say('done');
    this.#child.stdin?.end();
  }
}
