/**
 * The catch-all of `main`: an error ferry did not expect is its bug, and the
 * last word says what is known. Nothing changed when no change was sent (exit
 * 2, aborted); once a change may have been sent, the state is unknown (exit 3).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { type LocalServer, sendJson, startLocalServer } from '../aws/local-server.ts';

// `ferry history` stands in for any command that crashes on a bug after reading, or after a change.
vi.mock('../../../src/cli/commands/history.ts', () => ({
  run: async (_args: unknown, ctx: import('../../../src/cli/context.ts').CliContext) => {
    const { createAwsPorts } = await import('../../../src/aws/index.ts');
    const { awsOptions } = await import('../../../src/cli/compose.ts');
    const setup = {
      config: {} as never,
      app: 'shop',
      env: 'staging',
      region: 'eu-west-1',
      pollIntervalMs: 1000,
      timeoutMs: 60_000,
    };
    const ports = createAwsPorts(awsOptions(ctx, setup));
    await ports.parameters.get('/ferry/shop/staging/descriptor');
    if (ctx.env.CRASH_AFTER === 'change') await ports.parameters.put('/ferry/shop/staging/lock', '{}');
    throw new TypeError("Cannot read properties of undefined (reading 'services')");
  },
}));

function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

async function ferry(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()) {
  const stdout = sink();
  const stderr = sink();
  const code = await main({
    argv,
    env,
    cwd,
    stdout: stdout.stream,
    stderr: stderr.stream,
    signal: new AbortController().signal,
  });
  const lines = stdout.text().trim().split('\n');
  return {
    code,
    stderr: stderr.text(),
    result: JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>,
  };
}

let server: LocalServer;
const awsEnv = () => ({
  AWS_ENDPOINT_URL: server.url,
  AWS_ACCESS_KEY_ID: 'AKIASANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
});

beforeAll(async () => {
  server = await startLocalServer((req, res) => {
    const target = req.headers['x-amz-target'];
    if (target === 'AmazonSSM.GetParameter')
      return sendJson(res, 200, { Parameter: { Value: '{}', Version: 1 } });
    if (target === 'AmazonSSM.PutParameter') return sendJson(res, 200, { Version: 2 });
    sendJson(res, 400, { __type: 'UnknownOperationException', message: String(target) });
  });
});
afterAll(() => server.close());

describe('an unexpected error', () => {
  it('after reads only: says nothing was changed, and exits 2 with an aborted result', async () => {
    const run = await ferry(['history', 'staging', '--json'], { ...awsEnv(), CRASH_AFTER: 'read' });
    expect(run.code).toBe(2);
    expect(run.result).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
    expect(String(run.result.reason)).toContain('nothing was changed');
    expect(run.stderr).toContain('ferry: unexpected error; nothing was changed.');
    expect(run.stderr).not.toContain('state is unknown');
    // Still ferry's bug: the stack and the plea to report it.
    expect(run.stderr).toMatch(/TypeError: Cannot read properties of undefined[\s\S]*at /);
    expect(run.stderr).toContain("This is ferry's bug: please report it with the output above.");
  });

  it('after a change was sent: the state is unknown, exit 3 with a failed result', async () => {
    const run = await ferry(['history', 'staging', '--json'], { ...awsEnv(), CRASH_AFTER: 'change' });
    expect(server.requests.some((r) => r.headers['x-amz-target'] === 'AmazonSSM.PutParameter')).toBe(true);
    expect(run.code).toBe(3);
    expect(run.result).toMatchObject({ type: 'result', outcome: 'failed', exitCode: 3 });
    expect(run.stderr).toContain(
      "ferry: unexpected error; the environment's state is unknown: run `ferry status`.",
    );
    expect(run.stderr).toContain("This is ferry's bug: please report it with the output above.");
  });
});

describe('a crashed offline preview (no AWS at all)', () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'ferry-catch-all-'));
    mkdirSync(join(repo, 'stacks'));
    writeFileSync(join(repo, 'stacks', 'Pulumi.yaml'), 'name: shop\nruntime: nodejs\n');
    writeFileSync(join(repo, 'stacks', 'Pulumi.staging.yaml'), 'config: {}\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'stacks');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('says nothing was changed and exits 2, not "state unknown" and 3', async () => {
    // The stack program's runner cannot even start: a crash that is no user error.
    const run = await ferry(
      ['preview', 'staging', '--offline', '--json'],
      { PATH: process.env.PATH, NODE_OPTIONS: `--require ${join(repo, 'missing.cjs')}` },
      repo,
    );
    expect(run.stderr).toContain('ferry: unexpected error; nothing was changed.');
    expect(run.stderr).toContain('the offline program run exited');
    expect(run.code).toBe(2);
    expect(run.result).toMatchObject({ outcome: 'aborted', exitCode: 2 });
  });
});
