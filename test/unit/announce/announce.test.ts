import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { releaseAnnouncers, resultOfError } from '../../../src/cli/announce/index.ts';
import { notifyKind } from '../../../src/cli/announce/notify.ts';
import { slackMessage } from '../../../src/cli/announce/slack-message.ts';
import { ferryConfigSchema } from '../../../src/config/schema.ts';
import { usageError } from '../../../src/errors.ts';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { readRuntime } from '../../../src/runtime.ts';
import { type FakeGitHub, startFakeGitHub } from '../../support/fake-github.ts';

const SHA = 'a'.repeat(40);
const configInput = {
  app: 'shop',
  region: 'eu-west-1',
  environments: { staging: {}, production: { promoteFrom: 'staging' } },
};
const config = ferryConfigSchema.parse(configInput);

let github: FakeGitHub;
beforeAll(async () => {
  github = await startFakeGitHub();
});
afterAll(() => github.close());
beforeEach(() => {
  github.requests.length = 0;
});

function announce(
  env: string,
  command: 'deploy' | 'promote' | 'rollback',
  processEnv: Record<string, string>,
) {
  const warnings: string[] = [];
  const sinks = releaseAnnouncers(
    {
      app: 'shop',
      env,
      sha: SHA,
      command,
      config,
      environmentUrl: 'https://shop.example',
      ferryRunId: 'run-1',
      dryRun: false,
    },
    {
      runtime: readRuntime(processEnv),
      env: processEnv,
      now: () => new Date(),
      warn: (m) => warnings.push(m),
    },
  );
  const emit = (event: FerryEvent) => {
    for (const sink of sinks) sink.emit(event);
  };
  const close = () => Promise.all(sinks.map((s) => s.close()));
  return { sinks, emit, close, warnings };
}

const actions = () => ({
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_API_URL: github.url,
  GITHUB_RUN_ID: '7',
  FERRY_GITHUB_TOKEN: 'ferry-token',
  GITHUB_TOKEN: 'job-token',
});

const releaseEvents = (result: Extract<FerryEvent, { type: 'result' }>): FerryEvent[] => [
  { type: 'plan', env: 'production', sha: SHA, digest: 'sha256:abc', image: 'repo@sha256:abc', lines: [] },
  { type: 'step', step: 'lock', status: 'start', elapsedMs: 0 },
  { type: 'step', step: 'lock', status: 'done', elapsedMs: 5 },
  result,
];

describe('GitHub deployments', () => {
  it('marks an environment with promoteFrom as production, preferring FERRY_GITHUB_TOKEN', async () => {
    const run = announce('production', 'promote', actions());
    for (const e of releaseEvents({ type: 'result', outcome: 'deployed', exitCode: 0 })) run.emit(e);
    await run.close();
    const [created] = github.bodies('POST', /\/deployments$/);
    expect(created).toMatchObject({ environment: 'production', production_environment: true, ref: SHA });
    expect(created!.description).toBe('ferry promote aaaaaaa');
    expect(github.requests[0]!.headers.authorization).toBe('token ferry-token');
    expect(run.warnings).toEqual([]);
  });

  it('creates nothing for a run refused at the lock (it changed nothing)', async () => {
    const run = announce('staging', 'deploy', actions());
    run.emit({ type: 'step', step: 'lock', status: 'failed', elapsedMs: 5, detail: 'held' });
    run.emit({ type: 'result', outcome: 'aborted', exitCode: 4 });
    await run.close();
    expect(github.requests).toEqual([]);
  });

  it('stays off outside GitHub Actions and when FERRY_GITHUB_DEPLOYMENTS=false', () => {
    expect(announce('staging', 'deploy', {}).sinks).toEqual([]);
    expect(announce('staging', 'deploy', { ...actions(), FERRY_GITHUB_DEPLOYMENTS: 'false' }).sinks).toEqual(
      [],
    );
  });

  it('does nothing at all on a dry run', () => {
    const sinks = releaseAnnouncers(
      { app: 'shop', env: 'staging', sha: SHA, command: 'deploy', config, ferryRunId: 'r', dryRun: true },
      {
        runtime: readRuntime(actions()),
        env: { ...actions(), FERRY_SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/x' },
        now: () => new Date(),
        warn: () => {},
      },
    );
    expect(sinks).toEqual([]);
  });
});

describe('an error that escapes a release', () => {
  it('is announced as the entry point reports it: a user error keeps its code, a bug is exit 3', () => {
    expect(resultOfError(usageError('migrate: DROP TABLE orders'))).toEqual({
      type: 'result',
      outcome: 'aborted',
      exitCode: 2,
      reason: 'migrate: DROP TABLE orders',
    });
    expect(resultOfError(new TypeError('x is undefined'))).toMatchObject({
      outcome: 'failed',
      exitCode: 3,
      reason: 'unexpected error: x is undefined',
    });
  });

  it('is exit 2, aborted, for a bug when no change was sent (as the entry point says)', () => {
    expect(resultOfError(new TypeError('x is undefined'), { mayHaveChanged: false })).toMatchObject({
      outcome: 'aborted',
      exitCode: 2,
      reason: 'unexpected error: x is undefined',
    });
  });

  it('still closes a started GitHub deployment, with error', async () => {
    const run = announce('staging', 'deploy', actions());
    for (const e of releaseEvents({ type: 'result', outcome: 'deployed', exitCode: 0 }).slice(0, 3))
      run.emit(e);
    run.emit(resultOfError(new Error('boom')));
    await run.close();
    expect(github.bodies('POST', /\/statuses$/).map((s) => s.state)).toEqual(['in_progress', 'error']);
  });
});

describe('notifications', () => {
  it('maps outcomes to notify.on values; a dry run to none', () => {
    expect(notifyKind({ type: 'result', outcome: 'deployed', exitCode: 0 })).toBe('success');
    expect(notifyKind({ type: 'result', outcome: 'rolled_back', exitCode: 1 })).toBe('rolled_back');
    expect(notifyKind({ type: 'result', outcome: 'failed', exitCode: 3 })).toBe('failure');
    expect(notifyKind({ type: 'result', outcome: 'aborted', exitCode: 4 })).toBe('failure');
    expect(notifyKind({ type: 'result', outcome: 'ok', exitCode: 0 })).toBeUndefined();
  });

  it('escapes Slack markup in text from outside, so a reason cannot @channel or forge a link', () => {
    const message = slackMessage(
      { app: 'shop', command: 'deploy', env: 'staging', sha: SHA, durationMs: 61_000 },
      {
        type: 'result',
        outcome: 'failed',
        exitCode: 1,
        reason: 'boom <!channel> <http://evil|click> & more',
      },
    );
    const text = JSON.stringify(message);
    expect(text).toContain('boom &lt;!channel&gt; &lt;http://evil|click&gt; &amp; more');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('*Duration*\\n1m01s');
    // Without a repository, the SHA is plain code, not a link.
    expect(text).toContain('*SHA*\\n`aaaaaaa`');
  });

  it('warns when notify.slack names a variable that is not set', () => {
    const cfg = ferryConfigSchema.parse({
      ...configInput,
      notify: { slack: { webhookUrlEnv: 'TEAM_HOOK' } },
    });
    const warnings: string[] = [];
    const sinks = releaseAnnouncers(
      {
        app: 'shop',
        env: 'staging',
        sha: SHA,
        command: 'deploy',
        config: cfg,
        ferryRunId: 'r',
        dryRun: false,
      },
      {
        runtime: readRuntime({}),
        env: { FERRY_SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/x' },
        now: () => new Date(),
        warn: (m) => warnings.push(m),
      },
    );
    expect(sinks).toEqual([]);
    expect(warnings).toEqual(['Slack notification: $TEAM_HOOK is not set, so none is sent']);
  });

  it('uses $FERRY_SLACK_WEBHOOK_URL with a notify section that only changes `on`', () => {
    const cfg = ferryConfigSchema.parse({ ...configInput, notify: { on: ['success'] } });
    const sinks = releaseAnnouncers(
      {
        app: 'shop',
        env: 'staging',
        sha: SHA,
        command: 'deploy',
        config: cfg,
        ferryRunId: 'r',
        dryRun: false,
      },
      {
        runtime: readRuntime({}),
        env: { FERRY_SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/x' },
        now: () => new Date(),
        warn: () => {},
      },
    );
    expect(sinks).toHaveLength(1);
  });

  it.each([
    [{ on: ['sometimes'] }, 'notify.on.0'],
    [{ slack: { webhookUrl: 'https://hooks.slack.com/services/x' } }, 'notify.slack'],
    [{ webhook: { urlEnv: 'https://example.com/hook' } }, 'notify.webhook.urlEnv'],
    [{ timeout: 'soon' }, 'notify.timeout'],
  ])('rejects notify %j at %s', (notify, path) => {
    const parsed = ferryConfigSchema.safeParse({ ...configInput, notify });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('defaults notify.on to failures and rollbacks', () => {
    const cfg = ferryConfigSchema.parse({ ...configInput, notify: {} });
    expect(cfg.notify?.on).toEqual(['failure', 'rolled_back']);
    expect(cfg.notify?.slack).toBeUndefined();
  });
});
