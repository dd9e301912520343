// The sandbox's reaper: a detached process that outlives the sandbox only to clean up after it.
// It reads what the sandbox started from stdin; if stdin closes without "done" (the sandbox was
// killed), it kills every process group and postmaster it was told about and removes the state.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const groups = new Set<number>();
const pids = new Set<number>();
const postmasters = new Set<number>();
const dirs = new Set<string>();
const storages = new Set<string>();
let done = false;

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

function cleanUp(): void {
  for (const pgid of groups) signal(-pgid, 'SIGKILL');
  for (const pid of pids) signal(pid, 'SIGKILL');
  // SIGQUIT is PostgreSQL's immediate shutdown; its backends follow the postmaster.
  for (const pid of postmasters) signal(pid, 'SIGQUIT');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && [...postmasters].some((pid) => signal(pid, 0))) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  for (const pid of postmasters) signal(pid, 'SIGKILL');
  for (const storage of storages) {
    const [root, runroot] = storage.split('\t');
    try {
      execFileSync(
        'buildah',
        ['--root', root!, '--runroot', runroot!, '--storage-driver', 'vfs', 'rm', '--all'],
        {
          stdio: 'ignore',
          timeout: 30_000,
        },
      );
    } catch {
      // best effort: the directory goes below anyway
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [verb, ...rest] = line.split(' ');
  const arg = rest.join(' ');
  if (verb === 'group') groups.add(Number(arg));
  else if (verb === 'ungroup') groups.delete(Number(arg));
  else if (verb === 'pid') pids.add(Number(arg));
  else if (verb === 'postmaster') postmasters.add(Number(arg));
  else if (verb === 'unpostmaster') postmasters.delete(Number(arg));
  else if (verb === 'dir') dirs.add(arg);
  else if (verb === 'storage') storages.add(arg);
  else if (verb === 'done') done = true;
});
lines.on('close', () => {
  if (!done) cleanUp();
  process.exit(0);
});
