/**
 * copyImage against the sandbox's ECR API and its real OCI registry: staging to
 * production by digest, then skopeo (a registry client that knows nothing of
 * ferry) must see the same digest and the same manifest bytes in both.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CopyProgress, copyImage } from '../../src/aws/ecr-copy.ts';
import { createEcrAccess } from '../../src/aws/ecr-copy-access.ts';
import { ImageCopyError } from '../../src/pipeline/port-errors.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { freshSha, isMutating } from './helpers.ts';

const exec = promisify(execFile);
const APP = 'copyshop';
const fixture = new URL('../fixtures/image/', import.meta.url).pathname;

let sandbox: TestSandbox;
let dir: string;
let toolEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  await sandbox.control.seed({ app: APP, environments: ['staging', 'production'] });
  dir = await mkdtemp(join(tmpdir(), 'ferry-image-copy-'));
  await writeFile(join(dir, 'auth.json'), '{"auths":{}}');
  toolEnv = {
    ...process.env,
    TMPDIR: dir,
    BUILDAH_ISOLATION: 'chroot',
    REGISTRY_AUTH_FILE: join(dir, 'auth.json'),
  };
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  if (dir) {
    await exec('buildah', [...storage(), 'rm', '--all'], { env: toolEnv }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

function storage(): string[] {
  return ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs'];
}

/** One ECR client per side, as promote builds them: each from its own credentials. */
function sides() {
  const ecr = () => createEcrAccess({ region: sandbox.region, env: sandbox.env }).client;
  return {
    source: { client: ecr(), repositoryName: `${APP}-staging` },
    target: { client: ecr(), repositoryName: `${APP}-production` },
  };
}

async function skopeo(repository: string, tag: string, raw = false): Promise<string> {
  const ref = `docker://${sandbox.registryHost}/${repository}:${tag}`;
  const args = ['inspect', '--tls-verify=false', ...(raw ? ['--raw'] : []), ref];
  return (await exec('skopeo', args, { env: toolEnv })).stdout;
}

async function expectSameImage(tag: string, digest: string): Promise<void> {
  const staging = JSON.parse(await skopeo(`${APP}-staging`, tag)) as { Digest: string };
  const production = JSON.parse(await skopeo(`${APP}-production`, tag)) as { Digest: string };
  expect(staging.Digest).toBe(digest);
  expect(production.Digest).toBe(digest);
  expect(await skopeo(`${APP}-production`, tag, true)).toBe(await skopeo(`${APP}-staging`, tag, true));
}

async function buildahPush(tag: string, extra: { manifestList?: boolean } = {}): Promise<string> {
  const image = `${sandbox.registryHost}/${APP}-staging:${tag}`;
  const digestFile = join(dir, `digest-${tag}`);
  await exec(
    'buildah',
    [
      ...storage(),
      'bud',
      '--isolation',
      'chroot',
      '-f',
      join(fixture, 'Containerfile'),
      '-t',
      `local-${tag}`,
      fixture,
    ],
    {
      env: toolEnv,
    },
  );
  if (extra.manifestList) {
    await exec('buildah', [...storage(), 'manifest', 'create', `list-${tag}`], { env: toolEnv });
    await exec('buildah', [...storage(), 'manifest', 'add', `list-${tag}`, `local-${tag}`], { env: toolEnv });
    await exec(
      'buildah',
      [
        ...storage(),
        'manifest',
        'push',
        '--all',
        '--tls-verify=false',
        '--digestfile',
        digestFile,
        `list-${tag}`,
        `docker://${image}`,
      ],
      { env: toolEnv },
    );
  } else {
    await exec(
      'buildah',
      [
        ...storage(),
        'push',
        '--tls-verify=false',
        '--digestfile',
        digestFile,
        `local-${tag}`,
        `docker://${image}`,
      ],
      { env: toolEnv },
    );
  }
  const digest = (await readFile(digestFile, 'utf8')).trim();
  if (extra.manifestList) await tagChildren(`${APP}-staging`, digest);
  return digest;
}

/**
 * The sandbox's ECR finds images through registry tags (real ECR lists untagged
 * ones too), so the children buildah pushed untagged get a tag of their own,
 * put through the registry API with the exact manifest bytes.
 */
async function tagChildren(repository: string, indexDigest: string): Promise<void> {
  const base = `http://${sandbox.registryHost}/v2/${repository}/manifests`;
  const accept =
    'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';
  const index = (await (await fetch(`${base}/${indexDigest}`, { headers: { accept } })).json()) as {
    manifests: { digest: string; mediaType: string }[];
  };
  for (const [i, child] of index.manifests.entries()) {
    const res = await fetch(`${base}/${child.digest}`, { headers: { accept: child.mediaType } });
    const body = Buffer.from(await res.arrayBuffer());
    const put = await fetch(`${base}/child-${i}-${indexDigest.slice(7, 19)}`, {
      method: 'PUT',
      headers: { 'content-type': child.mediaType },
      body,
    });
    expect(put.status).toBe(201);
  }
}

describe('copying an image between ECR repositories', () => {
  it('copies a synthetic image by digest; skopeo sees the same digest and manifest in both', async () => {
    const tag = freshSha();
    const { digest } = await sandbox.control.pushImage(`${APP}-staging`, tag);
    const progress: CopyProgress[] = [];
    const result = await copyImage({ ...sides(), digest, tag, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ digest, alreadyPresent: false, blobsCopied: 2, manifestsPut: 1 });
    expect(result.bytesCopied).toBeGreaterThan(0);
    expect(progress.filter((p) => p.kind === 'blob' && p.action === 'copied')).toHaveLength(2);
    await expectSameImage(tag, digest);
  });

  it('copies an image buildah built and pushed', async () => {
    const tag = freshSha();
    const digest = await buildahPush(tag);
    const result = await copyImage({ ...sides(), digest, tag });
    expect(result.manifestsPut).toBe(1);
    await expectSameImage(tag, digest);
  }, 120_000);

  it('copies a manifest list with its child manifests first', async () => {
    const tag = freshSha();
    const digest = await buildahPush(tag, { manifestList: true });
    const result = await copyImage({ ...sides(), digest, tag });
    expect(result.manifestsPut).toBe(2);
    await expectSameImage(tag, digest);
  }, 120_000);

  it('does nothing the second time: the target already has the tag with that digest', async () => {
    const tag = freshSha();
    const { digest } = await sandbox.control.pushImage(`${APP}-staging`, tag);
    await copyImage({ ...sides(), digest, tag });
    await sandbox.control.clearRequests();
    const again = await copyImage({ ...sides(), digest, tag });
    expect(again.alreadyPresent).toBe(true);
    expect((await sandbox.control.requests()).filter(isMutating)).toEqual([]);
  });

  it('skips blobs the target already has', async () => {
    const tag = freshSha();
    const { digest } = await sandbox.control.pushImage(`${APP}-staging`, tag);
    // The same image, untagged, under another name: every blob is in production already.
    await copyImage({ ...sides(), digest });
    const result = await copyImage({ ...sides(), digest, tag });
    expect(result).toMatchObject({ blobsCopied: 0, blobsSkipped: 2, manifestsPut: 1 });
    await expectSameImage(tag, digest);
  });

  it('refuses, with a typed error naming both images, when the tag in production names another image, before changing anything', async () => {
    const tag = freshSha();
    const { digest } = await sandbox.control.pushImage(`${APP}-staging`, tag);
    const { digest: other } = await sandbox.control.pushImage(`${APP}-production`, tag);
    await sandbox.control.clearRequests();
    const err = await copyImage({ ...sides(), digest, tag }).catch((e: unknown) => e);
    // The adapter says what it found; the pipeline decides the exit code (its plan refuses this case before the lock).
    expect(err).toBeInstanceOf(ImageCopyError);
    expect((err as ImageCopyError).message).toContain(other);
    expect((await sandbox.control.requests()).filter(isMutating)).toEqual([]);
  });
});
