import { execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; rejects with its last stderr line when it exits non-zero. */
export function exec(command: string, args: string[], options: { cwd?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const last = stderr.trim().split('\n').at(-1) ?? '';
        reject(new Error(`${command} failed: ${last || err.message}`));
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}
