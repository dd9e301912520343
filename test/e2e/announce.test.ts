// GitHub deployments and Slack/webhook notifications from the real bin/ferry, against
// the sandbox, a local fake of GitHub's API and local webhook receivers.
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { type LocalServer, type RecordedRequest, startLocalServer } from '../unit/aws/local-server.ts';
import { appDir, FAST, freshSha, jsonLines, runFerry, runInProcess, seedApp } from './helpers.ts';

const TOKEN = 'ghs_fakeTokenThatMustNeverBePrinted0001';
const SLACK_PATH = '/services/T000/B000/secretslackpart';
const HOOK_PATH = '/hooks/secretwebhookpart';

let sandbox: TestSandbox;
let github: FakeGitHub;
let receiver: LocalServer;
let answer: (req: RecordedRequest, res: ServerResponse) => void;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
  github = await startFakeGitHub();
  receiver = await startLocalServer((req, res) => answer(req, res));
});
afterAll(async () => {
  await Promise.all([sandbox?.stop(), github?.close(), receiver?.close()]);
});
beforeEach(() => {
  github.requests.length = 0;
  receiver.requests.length = 0;
  github.refuse(undefined);
  answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  };
});
afterEach(async () => {
  await sandbox.control.clearFaults();
});

/** A GitHub Actions job in acme/shop, run 4242, with Slack and a webhook configured. */
function actionsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...sandbox.env,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_API_URL: github.url,
    GITHUB_TOKEN: TOKEN,
    FERRY_SLACK_WEBHOOK_URL: `${receiver.url}${SLACK_PATH}`,
    FERRY_HOOK_URL: `${receiver.url}${HOOK_PATH}`,
    ...extra,
  };
}

const RUN_URL = 'https://github.example/acme/shop/actions/runs/4242';

const notifyAll = {
  on: ['success', 'failure', 'rolled_back'],
  slack: {},
  webhook: { urlEnv: 'FERRY_HOOK_URL' },
};

const statuses = () => github.bodies('POST', /\/deployments\/\d+\/statuses$/);
const slackBodies = () =>
  receiver.requests
    .filter((r) => r.url === SLACK_PATH)
    .map((r) => JSON.parse(r.body) as Record<string, unknown>);
const hookBodies = () =>
  receiver.requests
    .filter((r) => r.url === HOOK_PATH)
    .map((r) => JSON.parse(r.body) as Record<string, unknown>);

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain('secretslackpart');
  expect(text).not.toContain('secretwebhookpart');
}

describe('GitHub deployments and notifications (sandbox, fake GitHub, local receivers)', () => {
  it('deployed: a deployment for the SHA, in_progress then success, and the result posted to Slack and the webhook', async () => {
    const app = 'announced';
    const { sha, digest, descriptor } = await seedApp(sandbox, app);
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app, { notify: notifyAll }),
      env: actionsEnv(),
    });
    expect(run.code, run.stderr).toBe(0);

    const [deployment, ...more] = github.bodies('POST', /\/repos\/acme\/shop\/deployments$/);
    expect(more).toEqual([]);
    expect(deployment).toMatchObject({
      ref: sha,
      environment: 'staging',
      production_environment: false,
      auto_merge: false,
      required_contexts: [],
      payload: { digest, runId: '4242' },
    });
    const baseUrl = (descriptor.services as { baseUrl: string }[])[0]!.baseUrl;
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'success']);
    for (const status of statuses()) {
      expect(status).toMatchObject({ log_url: RUN_URL, environment_url: baseUrl });
    }
    expect(github.requests.every((r) => r.headers.authorization === `token ${TOKEN}`)).toBe(true);

    const [slack] = slackBodies();
    expect(slack?.text).toBe(`ferry deploy ${app} staging ${sha.slice(0, 7)}: deployed (exit 0)`);
    const [hook] = hookBodies();
    const { ts, ...result } = jsonLines(run.stdout).at(-1)!;
    expect(hook).toEqual({ ...result, ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expectNoSecrets(
      [
        run.stdout,
        run.stderr,
        ...receiver.requests.map((r) => r.body),
        ...github.requests.map((r) => r.body),
      ].join('\n'),
    );
  });

  it('rolled back: in_progress then failure; Slack gets app, env, linked SHA, reason, snapshot, run link (default `on`)', async () => {
    const app = 'announcedrb';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ failToStart: [sha] });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: actionsEnv(),
    });
    expect(run.code, run.stderr).toBe(1);
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'failure']);

    const result = jsonLines(run.stdout).at(-1)!;
    const [slack, ...others] = slackBodies();
    expect(others).toEqual([]);
    const text = JSON.stringify(slack);
    expect(text).toContain(`*App*\\n${app}`);
    expect(text).toContain('*Environment*\\nstaging');
    expect(text).toContain(`<https://github.example/acme/shop/commit/${sha}|\`${sha.slice(0, 7)}\`>`);
    expect(text).toContain('rolled back (exit 1)');
    expect(text).toContain(String(result.snapshotId));
    expect(text).toContain('*Reason*');
    expect(text).toContain('*Duration*');
    expect(text).toContain(RUN_URL);
    // No notify section: only $FERRY_SLACK_WEBHOOK_URL, and no webhook.
    expect(hookBodies()).toEqual([]);
    expectNoSecrets(run.stdout + run.stderr + text);
  });

  it('failed migration: failure status, and Slack is told; a deploy that succeeds is not posted by default', async () => {
    const app = 'announcedmig';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ migrationExitCode: 1 });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: actionsEnv(),
    });
    expect(run.code, run.stderr).toBe(1);
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(JSON.stringify(slackBodies())).toContain('failed (exit 1)');

    await sandbox.control.clearFaults();
    receiver.requests.length = 0;
    const again = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: actionsEnv(),
    });
    expect(again.code, again.stderr).toBe(0);
    expect(slackBodies()).toEqual([]);
  });

  it('state unknown (exit 3): in_progress then error, and Slack says a person is needed', async () => {
    const app = 'announceddoom';
    const { sha, initialSha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ failToStart: [sha] });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app, { notify: notifyAll }),
      env: actionsEnv(),
      onLine: (line) => {
        if (/step watch start/.test(line))
          void sandbox.control.setFaults({
            failToStart: [sha, initialSha],
            unhealthy: [{ version: initialSha }],
          });
      },
    });
    expect(run.code, run.stderr).toBe(3);
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'error']);
    expect(JSON.stringify(slackBodies())).toContain('needs a person');
    expect(hookBodies()).toMatchObject([
      { type: 'result', outcome: 'failed', exitCode: 3, env: 'staging', sha },
    ]);
  });

  it('a 403 from GitHub and a Slack error are warnings: the release still deploys with exit 0', async () => {
    const app = 'announced403';
    const { sha } = await seedApp(sandbox, app);
    github.refuse(403);
    answer = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('invalid_payload');
    };
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app, { notify: notifyAll }),
      env: actionsEnv(),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(run.stderr).toMatch(/::warning title=ferry::GitHub deployment: .*HTTP 403.*deployments: write/);
    expect(run.stderr).toMatch(/::warning title=ferry::Slack notification: HTTP 500 invalid_payload/);
    // One refused create, then nothing more.
    expect(github.requests).toHaveLength(1);
    expectNoSecrets(run.stdout + run.stderr);
  });

  it('a receiver that never answers is a warning after notify.timeout; the exit code stays', async () => {
    const app = 'announcedslow';
    const { sha } = await seedApp(sandbox, app);
    answer = () => {};
    const started = Date.now();
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app, { notify: { ...notifyAll, timeout: '500ms' } }),
      env: actionsEnv({ GITHUB_TOKEN: '' }),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Slack notification: no answer in 500ms/);
    expect(run.stderr).toMatch(/webhook notification: no answer in 500ms/);
    expect(run.stderr).toMatch(/GitHub deployment: no FERRY_GITHUB_TOKEN or GITHUB_TOKEN/);
    expect(github.requests).toEqual([]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('promote and rollback record deployments too; an environment with promoteFrom is production', async () => {
    const app = 'announcedpromo';
    await sandbox.control.seed({
      app,
      environments: ['staging', 'production'],
      desiredCount: 1,
      initialSha: freshSha(),
    });
    const cwd = appDir(app, { environments: { staging: {}, production: { promoteFrom: 'staging' } } });
    const shas = [freshSha(), freshSha()];
    for (const sha of shas) {
      await sandbox.control.pushImage(`${app}-staging`, sha);
      const deployed = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
        cwd,
        env: sandbox.env,
      });
      expect(deployed.code, deployed.stderr).toBe(0);
    }

    const promote = await runFerry(['promote', '--from', 'staging', '--to', 'production', ...FAST], {
      cwd,
      env: actionsEnv(),
    });
    expect(promote.code, promote.stderr).toBe(0);
    expect(github.bodies('POST', /\/deployments$/)).toMatchObject([
      {
        ref: shas[1],
        environment: 'production',
        production_environment: true,
        description: `ferry promote ${shas[1]!.slice(0, 7)}`,
      },
    ]);
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'success']);

    github.requests.length = 0;
    const rollback = await runFerry(['rollback', 'staging', ...FAST], { cwd, env: actionsEnv() });
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(github.bodies('POST', /\/deployments$/)).toMatchObject([
      { ref: shas[0], environment: 'staging', production_environment: false },
    ]);
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'success']);
  });

  it('refuses a notify section that holds a URL instead of a variable name, changing nothing (exit 2)', async () => {
    const app = 'announcedbad';
    const { sha } = await seedApp(sandbox, app);
    const run = await runInProcess(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app, { notify: { webhook: { urlEnv: 'https://hooks.example/x' } } }),
      env: actionsEnv(),
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('notify.webhook.urlEnv');
    expect(github.requests).toEqual([]);
  });
});
