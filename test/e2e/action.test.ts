// The program action.yml runs, as the runner would run it: inputs in FERRY_INPUT_*, outputs
// appended to $GITHUB_OUTPUT, ferry's exit code as the step's; against the sandbox.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, seedApp } from './helpers.ts';

const RUN = fileURLToPath(new URL('../../src/cli/action/run.ts', import.meta.url));

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});

function runAction(
  cwd: string,
  inputs: Record<string, string>,
): Promise<{ code: number | null; stderr: string; outputs: Record<string, string> }> {
  const temp = mkdtempSync(join(tmpdir(), 'ferry-action-'));
  const outputFile = join(temp, 'output');
  writeFileSync(outputFile, '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        ...sandbox.env,
        RUNNER_TEMP: temp,
        GITHUB_OUTPUT: outputFile,
        ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`FERRY_INPUT_${k.toUpperCase()}`, v])),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      expect(stdout).toBe('');
      const outputs = Object.fromEntries(
        readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      resolve({ code, stderr, outputs });
    });
  });
}

const FAST = '--poll-interval 150ms --timeout 40s';

describe('the GitHub Action program (sandbox)', () => {
  it('deploys and sets outcome, digest, snapshot-id and exit-code from the result event', async () => {
    const app = 'actioned';
    const { sha, digest } = await seedApp(sandbox, app);
    const run = await runAction(appDir(app), {
      command: 'deploy',
      environment: 'staging',
      sha,
      config: 'ferry.config.json',
      args: FAST,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ outcome: 'deployed', digest, 'exit-code': '0' });
    expect(run.outputs['snapshot-id']).toMatch(/^ferry-staging-[0-9a-f]{7}-\d{14}$/);
    // The log shows ferry's human output; the NDJSON is kept in a file for later steps.
    expect(run.stderr).toContain('step deploy done');
    expect(readFileSync(run.outputs['events-file']!, 'utf8')).toContain('"type":"result"');
  });

  it('fails the step with ferry’s exit code and still sets the outputs', async () => {
    const app = 'actionedbad';
    await seedApp(sandbox, app);
    const run = await runAction(appDir(app), {
      command: 'deploy',
      environment: 'staging',
      sha: 'NOT-A-SHA',
      config: 'ferry.config.json',
      args: '',
    });
    expect(run.code).toBe(2);
    expect(run.outputs).toMatchObject({ outcome: 'aborted', 'exit-code': '2' });
  });

  it('refuses a bad input with an error annotation naming it, exit 2', async () => {
    const run = await runAction(appDir('actionednone'), { command: 'status', sha: 'abc1234' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('::error title=ferry::input sha: ferry status takes no SHA');
  });
});
