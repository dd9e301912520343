import { createHash } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const ALL_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

let sandbox: TestSandbox;
let ecr: ECRClient;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  ecr = new ECRClient(sandbox.clientConfig);
  await sandbox.control.seed({ app: 'shop' });
});
afterAll(async () => {
  await sandbox?.stop();
});

const digestOf = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function getManifest(repositoryName: string, imageTag: string) {
  const out = await ecr.send(
    new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag }], acceptedMediaTypes: ALL_TYPES }),
  );
  return out.images![0]!;
}

/** Copies a blob between repositories through the ECR layer API, in two inclusive parts. */
async function copyBlob(from: string, to: string, digest: string): Promise<void> {
  const { downloadUrl } = await ecr.send(
    new GetDownloadUrlForLayerCommand({ repositoryName: from, layerDigest: digest }),
  );
  const data = Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer());
  const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: to }));
  const half = Math.floor(data.length / 2);
  await ecr.send(
    new UploadLayerPartCommand({
      repositoryName: to,
      uploadId,
      partFirstByte: 0,
      partLastByte: half - 1,
      layerPartBlob: data.subarray(0, half),
    }),
  );
  await ecr.send(
    new UploadLayerPartCommand({
      repositoryName: to,
      uploadId,
      partFirstByte: half,
      partLastByte: data.length - 1,
      layerPartBlob: data.subarray(half),
    }),
  );
  await ecr.send(new CompleteLayerUploadCommand({ repositoryName: to, uploadId, layerDigests: [digest] }));
}

describe('ECR', () => {
  it('describes seeded repositories as IMMUTABLE, scanned on push, with a registry-backed URI', async () => {
    const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['shop-staging'] }));
    expect(out.repositories![0]).toMatchObject({
      repositoryName: 'shop-staging',
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      repositoryUri: `${sandbox.registryHost}/shop-staging`,
    });
    await expect(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] })),
    ).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });
  });

  it('promotes an image byte for byte: layers copied, manifest put with the exact string, same digest', async () => {
    const { digest } = await sandbox.control.pushImage('shop-staging', 'abc1234');
    const image = await getManifest('shop-staging', 'abc1234');
    expect(image.imageId!.imageDigest).toBe(digest);
    expect(digestOf(image.imageManifest!)).toBe(digest);
    const manifest = JSON.parse(image.imageManifest!) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const blobs = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];

    // Before copying blobs, the manifest refers to layers the target lacks.
    await expect(
      ecr.send(
        new PutImageCommand({
          repositoryName: 'shop-production',
          imageManifest: image.imageManifest,
          imageManifestMediaType: image.imageManifestMediaType,
          imageTag: 'abc1234',
        }),
      ),
    ).rejects.toMatchObject({ name: 'LayersNotFoundException' });

    const check = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName: 'shop-production', layerDigests: blobs }),
    );
    expect(check.failures!.map((f) => f.failureCode)).toEqual(['MissingLayerDigest', 'MissingLayerDigest']);
    for (const blob of blobs) await copyBlob('shop-staging', 'shop-production', blob);
    const after = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName: 'shop-production', layerDigests: blobs }),
    );
    expect(after.layers!.every((l) => l.layerAvailability === 'AVAILABLE')).toBe(true);

    const put = await ecr.send(
      new PutImageCommand({
        repositoryName: 'shop-production',
        imageManifest: image.imageManifest,
        imageManifestMediaType: image.imageManifestMediaType,
        imageDigest: digest,
        imageTag: 'abc1234',
      }),
    );
    expect(put.image!.imageId!.imageDigest).toBe(digest);
    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'shop-production', imageIds: [{ imageTag: 'abc1234' }] }),
    );
    expect(described.imageDetails![0]).toMatchObject({ imageDigest: digest, imageTags: ['abc1234'] });
    expect(described.imageDetails![0]!.imagePushedAt).toBeInstanceOf(Date);

    // The same manifest and tag again is ImageAlreadyExists (a success for a copier).
    await expect(
      ecr.send(
        new PutImageCommand({
          repositoryName: 'shop-production',
          imageManifest: image.imageManifest,
          imageManifestMediaType: image.imageManifestMediaType,
          imageTag: 'abc1234',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ImageAlreadyExistsException' });
  });

  it('refuses to move a tag in an IMMUTABLE repository', async () => {
    await sandbox.control.pushImage('shop-staging', 'def5678');
    const other = await sandbox.control.pushImage('shop-staging', 'other01');
    const otherImage = await getManifest('shop-staging', 'other01');
    expect(digestOf(otherImage.imageManifest!)).toBe(other.digest);
    await expect(
      ecr.send(
        new PutImageCommand({
          repositoryName: 'shop-staging',
          imageManifest: otherImage.imageManifest,
          imageManifestMediaType: otherImage.imageManifestMediaType,
          imageTag: 'def5678',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ImageTagAlreadyExistsException' });
  });

  it("needs an index's child manifests first: ReferencedImagesNotFoundException", async () => {
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${'a'.repeat(64)}`,
          size: 100,
        },
      ],
    });
    await expect(
      ecr.send(
        new PutImageCommand({
          repositoryName: 'shop-staging',
          imageManifest: index,
          imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
          imageTag: 'multi01',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ReferencedImagesNotFoundException' });
  });

  it('reports unaccepted media types and unknown tags as BatchGetImage failures', async () => {
    const out = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'shop-staging',
        imageIds: [{ imageTag: '0000000000000000000000000000000000000000' }, { imageTag: 'missing' }],
        acceptedMediaTypes: ['application/vnd.docker.distribution.manifest.v2+json'],
      }),
    );
    expect(out.images).toEqual([]);
    expect(out.failures!.map((f) => f.failureCode)).toEqual(['UnsupportedImageType', 'ImageNotFound']);
  });

  it('rejects non-consecutive layer parts', async () => {
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'shop-staging' }));
    await expect(
      ecr.send(
        new UploadLayerPartCommand({
          repositoryName: 'shop-staging',
          uploadId,
          partFirstByte: 5,
          partLastByte: 9,
          layerPartBlob: Buffer.from('hello'),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidLayerPartException' });
  });

  it('issues an authorization token of the form base64("AWS:<password>") valid for 12 hours', async () => {
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData![0]!;
    expect(Buffer.from(data.authorizationToken!, 'base64').toString()).toMatch(/^AWS:.+/);
    expect(data.proxyEndpoint).toBe(`http://${sandbox.registryHost}`);
    const hours = (data.expiresAt!.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11);
  });
});
