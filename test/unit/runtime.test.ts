import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lockOwnerOf, readRuntime } from '../../src/runtime.ts';

const ACTIONS = {
  GITHUB_ACTIONS: 'true',
  GITHUB_ACTOR: 'octocat',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_RUN_ID: '987654',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_SERVER_URL: 'https://ghe.example//',
  GITHUB_API_URL: 'https://ghe.example/api/v3/',
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_EVENT_PATH: '/tmp/event.json',
  GITHUB_STEP_SUMMARY: '/tmp/summary.md',
  GITHUB_TOKEN: 'job-token',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'bearer',
  CI: 'true',
};

describe('readRuntime', () => {
  it('reads a GitHub Actions job once into one typed object', () => {
    expect(readRuntime(ACTIONS)).toEqual({
      githubActions: true,
      ci: true,
      dumbTerminal: false,
      color: true,
      github: {
        actor: 'octocat',
        repository: 'acme/shop',
        runId: '987654',
        runAttempt: '2',
        serverUrl: 'https://ghe.example',
        apiUrl: 'https://ghe.example/api/v3',
        token: 'job-token',
        eventName: 'pull_request',
        eventPath: '/tmp/event.json',
        stepSummary: '/tmp/summary.md',
        deployments: true,
      },
      oidc: { requestUrl: 'https://token.example/?api-version=2.0', requestToken: 'bearer' },
    });
  });

  it('outside GitHub Actions: defaults, the local user, no OIDC request', () => {
    expect(readRuntime({ USER: '', USERNAME: 'alice', TERM: 'dumb' })).toEqual({
      githubActions: false,
      ci: false,
      dumbTerminal: true,
      color: false,
      user: 'alice',
      github: { serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', deployments: true },
    });
  });

  it('prefers FERRY_GITHUB_TOKEN, honours FERRY_GITHUB_DEPLOYMENTS=off, needs both OIDC variables', () => {
    const runtime = readRuntime({
      ...ACTIONS,
      FERRY_GITHUB_TOKEN: 'ferry-token',
      FERRY_GITHUB_DEPLOYMENTS: 'Off',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: '',
    });
    expect(runtime.github.token).toBe('ferry-token');
    expect(runtime.github.deployments).toBe(false);
    expect(runtime.oidc).toBeUndefined();
    expect(readRuntime({ GITHUB_ACTIONS: '1' }).githubActions).toBe(false);
  });

  it('is frozen: nothing downstream can change what the edge read', () => {
    const runtime = readRuntime(ACTIONS);
    expect(Object.isFrozen(runtime)).toBe(true);
    expect(Object.isFrozen(runtime.github)).toBe(true);
  });
});

describe('lockOwnerOf', () => {
  it('names the GitHub run in Actions, else user@host', () => {
    expect(lockOwnerOf(readRuntime(ACTIONS))).toBe('octocat (GitHub run acme/shop#987654)');
    expect(lockOwnerOf(readRuntime({ ...ACTIONS, GITHUB_ACTOR: undefined }))).toBe(
      'github (GitHub run acme/shop#987654)',
    );
    // A run id outside Actions (a copied environment) is not a GitHub run.
    expect(lockOwnerOf(readRuntime({ GITHUB_RUN_ID: '1', USER: 'alice' }))).toBe(`alice@${hostname()}`);
  });
});
