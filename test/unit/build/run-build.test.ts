import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BuildDeps, type BuildRequest, runBuild } from '../../../src/build/run-build.ts';
import { FerryError } from '../../../src/errors.ts';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { FakeRunner, type RecordedCall } from './fake-runner.ts';

const PASSWORD = 'eyJwYXlsb2FkIjoiU0VDUkVULVRPS0VOIn0';
const DIGEST = `sha256:${'7'.repeat(64)}`;
const SHA = 'abc1234def5678abc1234def5678abc1234def56';
const HOST = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';

let tmp: string;
let events: FerryEvent[];
let masked: string[];
let logins: number;
let lookups: number;
/** What the registry answers for the tag: nothing until the fake push, unless a test says otherwise. */
let tagDigest: string | undefined;
/** The auth file as the builder saw it while running. */
let seenAuth: { path: string; content: string; mode: number }[];

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ferry-build-unit-'));
  events = [];
  masked = [];
  logins = 0;
  lookups = 0;
  tagDigest = undefined;
  seenAuth = [];
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function deps(runner: FakeRunner, overrides: Partial<BuildDeps> = {}): BuildDeps {
  return {
    runner,
    emit: (e) => events.push(e),
    now: () => 0,
    env: { PATH: '/usr/bin', HOME: join(tmp, 'home'), TMPDIR: join(tmp, 'tmp') },
    signal: new AbortController().signal,
    findImageByTag: async () => {
      lookups += 1;
      return tagDigest ? { digest: tagDigest } : undefined;
    },
    login: async () => {
      logins += 1;
      return { username: 'AWS', password: PASSWORD };
    },
    mask: (s) => masked.push(s),
    ...overrides,
  };
}

const request = (overrides: Partial<BuildRequest> = {}): BuildRequest => ({
  env: 'staging',
  sha: SHA,
  repositoryName: 'shop-staging',
  repositoryUri: `${HOST}/shop-staging`,
  context: '/src/app',
  dockerfile: '/src/app/Dockerfile',
  platform: 'linux/amd64',
  builder: 'buildah',
  dryRun: false,
  ...overrides,
});

async function remember(path: string) {
  seenAuth.push({ path, content: await readFile(path, 'utf8'), mode: (await stat(path)).mode & 0o777 });
}

/** A buildah that prints (even the password, as a misbehaving tool might), sees the auth file and writes a digest. */
function buildah(extra: (call: RecordedCall) => Partial<{ code: number; stderr: string }> = () => ({})) {
  return new FakeRunner(['buildah'], async (call, options) => {
    const authfile = call.args[call.args.indexOf('--authfile') + 1]!;
    await remember(authfile);
    options.onLine?.(`STEP 1/2: FROM scratch (token ${PASSWORD})`, 'stdout');
    if (call.args[0] === 'push') {
      await writeFile(call.args[call.args.indexOf('--digestfile') + 1]!, `${DIGEST}\n`);
      tagDigest = DIGEST;
    }
    return extra(call);
  });
}

beforeEach(async () => {
  await mkdir(join(tmp, 'tmp'));
  await mkdir(join(tmp, 'home'));
});

const result = () => events.find((e) => e.type === 'result');
const steps = (status: string) =>
  events
    .filter((e): e is Extract<FerryEvent, { type: 'step' }> => e.type === 'step' && e.status === status)
    .map((e) => e.step);

describe('runBuild', () => {
  it('builds, pushes and reports the digest ECR holds for the SHA tag', async () => {
    const runner = buildah();
    const out = await runBuild(deps(runner), request());
    expect(runner.calls.map((c) => [c.command, c.args[0]])).toEqual([
      ['buildah', 'bud'],
      ['buildah', 'push'],
    ]);
    expect(runner.calls[0]!.args).toContain(`${HOST}/shop-staging:${SHA}`);
    expect(out).toEqual({
      type: 'result',
      outcome: 'ok',
      exitCode: 0,
      env: 'staging',
      sha: SHA,
      digest: DIGEST,
      meaning: 'built and pushed to shop-staging; nothing was deployed',
    });
    expect(result()).toEqual(out);
    expect(steps('done')).toEqual(['resolve', 'build', 'push']);
    expect(lookups).toBe(2);
  });

  it('hands the login to the builder in a private auth file that is gone afterwards', async () => {
    const runner = buildah();
    await runBuild(deps(runner), request());
    expect(seenAuth).toHaveLength(2);
    const auth = JSON.parse(seenAuth[0]!.content) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(auth.auths[HOST]!.auth, 'base64').toString()).toBe(`AWS:${PASSWORD}`);
    expect(seenAuth[0]!.mode).toBe(0o600);
    expect(runner.calls[0]!.env.REGISTRY_AUTH_FILE).toBe(seenAuth[0]!.path);
    expect(existsSync(seenAuth[0]!.path)).toBe(false);
    expect(await readdir(join(tmp, 'tmp'))).toEqual([]);
  });

  it('never puts the password on a command line or in any output, and masks it', async () => {
    const runner = buildah();
    await runBuild(deps(runner), request());
    expect(runner.argv).not.toContain(PASSWORD);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(
      events.some(
        (e) => e.type === 'log' && e.message.includes('buildah: STEP 1/2: FROM scratch (token ***)'),
      ),
    ).toBe(true);
    expect(masked).toContain(PASSWORD);
    expect(masked).toContain(Buffer.from(`AWS:${PASSWORD}`).toString('base64'));
  });

  it('turns TLS verification off for a registry on 127.0.0.1 only', async () => {
    const runner = buildah();
    await runBuild(deps(runner), request({ repositoryUri: '127.0.0.1:5000/shop-staging' }));
    expect(runner.calls[1]!.args).toContain('--tls-verify=false');
    const remote = buildah();
    await runBuild(deps(remote), request());
    expect(remote.argv).not.toContain('--tls-verify');
  });

  it('skips the build when the tag already exists (immutable tags), without logging in', async () => {
    tagDigest = `sha256:${'1'.repeat(64)}`;
    const runner = buildah();
    const out = await runBuild(deps(runner), request());
    expect(runner.calls).toEqual([]);
    expect(logins).toBe(0);
    expect(out).toMatchObject({ outcome: 'ok', exitCode: 0, digest: tagDigest });
    expect(steps('skipped')).toEqual(['build', 'push']);
  });

  it('--dry-run chooses the builder but neither logs in nor builds', async () => {
    const runner = buildah();
    const out = await runBuild(deps(runner), request({ dryRun: true }));
    expect(runner.calls).toEqual([]);
    expect(logins).toBe(0);
    expect(out).toMatchObject({ outcome: 'ok', exitCode: 0, sha: SHA });
    expect(out.digest).toBeUndefined();
    expect(events.some((e) => e.type === 'log' && e.message.includes('would push'))).toBe(true);
  });

  it('a failing build ends with exit 1, the auth file removed and the password redacted from the reason', async () => {
    const runner = buildah((call) =>
      call.args[0] === 'bud' ? { code: 125, stderr: `error: denied for ${PASSWORD}\n` } : {},
    );
    const out = await runBuild(deps(runner), request());
    expect(out).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(out.meaning).toBe('the build failed: no image was pushed and no environment was changed');
    expect(out.reason).toContain('exit code 125');
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(steps('failed')).toEqual(['build']);
    expect(runner.calls).toHaveLength(1);
    expect(await readdir(join(tmp, 'tmp'))).toEqual([]);
  });

  it('an interrupted build ends with exit 130', async () => {
    const controller = new AbortController();
    const runner = buildah(() => {
      controller.abort();
      return { code: 130 };
    });
    const out = await runBuild(deps(runner, { signal: controller.signal }), request());
    expect(out).toMatchObject({ outcome: 'aborted', exitCode: 130 });
  });

  it('a missing builder is a failed precondition (exit 2) found before logging in', async () => {
    const err = await runBuild(deps(new FakeRunner([])), request({ builder: undefined })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).exitCode).toBe(2);
    expect(logins).toBe(0);
    expect(steps('failed')).toEqual(['resolve']);
  });

  it('fails (exit 1) when ECR shows no tag after the push', async () => {
    const runner = new FakeRunner(['buildah']);
    const out = await runBuild(deps(runner), request());
    expect(out).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(out.reason).toMatch(/ECR shows no tag/);
  });
});

describe('runBuild with docker', () => {
  /** Whether the docker contexts directory was reachable through DOCKER_CONFIG during each call. */
  let contexts: boolean[];
  function docker(): FakeRunner {
    contexts = [];
    return new FakeRunner(['docker'], async (call) => {
      if (call.args[0] === 'version') return { stdout: '28.2.2' };
      await remember(join(call.env.DOCKER_CONFIG!, 'config.json'));
      contexts.push(existsSync(join(call.env.DOCKER_CONFIG!, 'contexts', 'meta')));
      if (call.args[0] === 'push') {
        tagDigest = DIGEST;
        return { stdout: `${SHA}: digest: ${DIGEST} size: 528\n` };
      }
      return {};
    });
  }

  it("uses a temporary DOCKER_CONFIG: the user's settings and contexts, without the credential store", async () => {
    const home = join(tmp, 'home', '.docker');
    await mkdir(join(home, 'contexts', 'meta'), { recursive: true });
    await writeFile(
      join(home, 'config.json'),
      JSON.stringify({
        credsStore: 'desktop',
        currentContext: 'colima',
        credHelpers: { [HOST]: 'ecr-login', 'ghcr.io': 'gh' },
      }),
    );
    const runner = docker();
    const out = await runBuild(deps(runner), request({ builder: 'docker' }));
    expect(out).toMatchObject({ outcome: 'ok', digest: DIGEST });
    const config = JSON.parse(seenAuth[0]!.content) as Record<string, unknown>;
    expect(config.credsStore).toBeUndefined();
    expect(config.currentContext).toBe('colima');
    expect(config.credHelpers).toEqual({ 'ghcr.io': 'gh' });
    expect(Object.keys(config.auths as object)).toEqual([HOST]);
    const dir = runner.calls[1]!.env.DOCKER_CONFIG!;
    expect(existsSync(dir)).toBe(false);
    expect(runner.argv).not.toContain(PASSWORD);
    expect(contexts).toEqual([true, true]);
    // The user's own config is untouched.
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8')).credsStore).toBe('desktop');
  });
});
