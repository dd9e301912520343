import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const run = promisify(execFile);
const fixture = new URL('../fixtures/image/', import.meta.url).pathname;

let sandbox: TestSandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  await sandbox.control.seed({ app: 'shop', environments: ['staging'] });
  dir = await mkdtemp(join(tmpdir(), 'ferry-buildah-'));
  await writeFile(join(dir, 'auth.json'), '{"auths":{}}');
});
afterAll(async () => {
  await sandbox?.stop();
  if (dir) {
    // vfs layers are owned by root inside the storage; buildah cleans them up itself first.
    await run('buildah', [...storage(), 'rm', '--all']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

/** Keeps buildah's images and state in the test's temp dir, away from the machine's global storage. */
function storage(): string[] {
  return ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs'];
}

describe('a real image through the registry', () => {
  it('buildah builds and pushes a fixture, the ECR API reads the same digest back, and skopeo agrees', async () => {
    const image = `${sandbox.registryHost}/shop-staging:feed123`;
    const env = {
      ...process.env,
      BUILDAH_ISOLATION: 'chroot',
      TMPDIR: dir,
      REGISTRY_AUTH_FILE: join(dir, 'auth.json'),
    };
    await run(
      'buildah',
      [
        ...storage(),
        'bud',
        '--isolation',
        'chroot',
        '-f',
        join(fixture, 'Containerfile'),
        '-t',
        image,
        fixture,
      ],
      { env },
    );
    const digestFile = join(dir, 'digest');
    await run(
      'buildah',
      [...storage(), 'push', '--tls-verify=false', '--digestfile', digestFile, image, `docker://${image}`],
      { env },
    );
    const digest = (await readFile(digestFile, 'utf8')).trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const ecr = new ECRClient(sandbox.clientConfig);
    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'shop-staging', imageIds: [{ imageTag: 'feed123' }] }),
    );
    expect(described.imageDetails![0]!.imageDigest).toBe(digest);
    const got = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'shop-staging',
        imageIds: [{ imageTag: 'feed123' }],
        acceptedMediaTypes: [
          'application/vnd.docker.distribution.manifest.v2+json',
          'application/vnd.docker.distribution.manifest.list.v2+json',
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.oci.image.index.v1+json',
        ],
      }),
    );
    expect(got.images![0]!.imageId!.imageDigest).toBe(digest);

    const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${image}`], { env });
    expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(digest);
  }, 120_000);
});
