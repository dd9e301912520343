import { createHash } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  ImageAlreadyExistsException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type CopyProgress, copyImage, MANIFEST_MEDIA_TYPES } from '../../../src/aws/ecr-copy.ts';
import { ImageCopyError } from '../../../src/pipeline/port-errors.ts';

const ecr = mockClient(ECRClient);
const client = new ECRClient({ region: 'eu-west-1' });
const source = { client, repositoryName: 'shop-staging' };
const target = { client, repositoryName: 'shop-production' };
const SRC = { repositoryName: 'shop-staging' };
const DST = { repositoryName: 'shop-production' };

const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

const blobs = new Map<string, Buffer>();
function blob(content: string): { digest: string; size: number } {
  const data = Buffer.from(content);
  const digest = sha256(data);
  blobs.set(digest, data);
  return { digest, size: data.length };
}

/** Odd spacing and key order on purpose: re-serialising it would change the digest. */
function imageManifest(layers: { digest: string; size: number }[], config = blob('{"os":"linux"}')) {
  const body = `{ "schemaVersion":2,"mediaType":"${OCI_MANIFEST}",\n  "config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":${config.size},"digest":"${config.digest}"},"layers":[${layers
    .map(
      (l) =>
        `{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":${l.size},"digest":"${l.digest}"}`,
    )
    .join(',')}] }`;
  return { body, digest: sha256(body), config };
}

/** Serves `blobs` at http://blobs.invalid/<digest>. */
const download = async (url: string) => {
  const data = blobs.get(url.slice(url.lastIndexOf('/') + 1));
  return data ? new Response(new Uint8Array(data)) : new Response('missing', { status: 404 });
};

function serveManifests(manifests: { digest: string; body: string; mediaType: string }[]) {
  for (const m of manifests) {
    ecr.on(BatchGetImageCommand, { ...SRC, imageIds: [{ imageDigest: m.digest }] }).resolves({
      images: [
        { imageId: { imageDigest: m.digest }, imageManifest: m.body, imageManifestMediaType: m.mediaType },
      ],
      failures: [],
    });
  }
}

/** Target has nothing yet; uploads and puts succeed; afterwards DescribeImages reports `finalDigest`. */
function emptyTarget(finalDigest: string) {
  ecr
    .on(DescribeImagesCommand, DST)
    .rejectsOnce(new ImageNotFoundException({ message: 'not found', $metadata: {} }))
    .resolves({ imageDetails: [{ imageDigest: finalDigest }] });
  ecr.on(BatchCheckLayerAvailabilityCommand, DST).callsFake((input: { layerDigests: string[] }) => ({
    layers: [],
    failures: input.layerDigests.map((layerDigest) => ({ layerDigest, failureCode: 'MissingLayerDigest' })),
  }));
  ecr.on(GetDownloadUrlForLayerCommand, SRC).callsFake((input: { layerDigest: string }) => ({
    downloadUrl: `http://blobs.invalid/${input.layerDigest}`,
    layerDigest: input.layerDigest,
  }));
  ecr.on(InitiateLayerUploadCommand, DST).resolves({ uploadId: 'up-1', partSize: 4 });
  ecr.on(UploadLayerPartCommand, DST).resolves({});
  ecr.on(CompleteLayerUploadCommand, DST).resolves({});
  ecr.on(PutImageCommand, DST).resolves({});
}

afterEach(() => ecr.reset());

describe('copyImage', () => {
  it('reads the manifest with all four media types and puts the exact same string, digest and tag', async () => {
    const layer = blob('layer one');
    const m = imageManifest([layer]);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(m.digest);

    const result = await copyImage({ source, target, digest: m.digest, tag: 'abc1234', download });

    const get = ecr.commandCalls(BatchGetImageCommand)[0]!.args[0].input;
    expect(get.acceptedMediaTypes).toEqual([...MANIFEST_MEDIA_TYPES]);
    expect(get.acceptedMediaTypes).toHaveLength(4);
    expect(get.imageIds).toEqual([{ imageDigest: m.digest }]);
    const put = ecr.commandCalls(PutImageCommand)[0]!.args[0].input;
    expect(put).toEqual({
      repositoryName: 'shop-production',
      imageManifest: m.body,
      imageManifestMediaType: OCI_MANIFEST,
      imageDigest: m.digest,
      imageTag: 'abc1234',
    });
    expect(result).toMatchObject({ alreadyPresent: false, blobsCopied: 2, manifestsPut: 1 });
    expect(result.bytesCopied).toBe(layer.size + m.config.size);
  });

  it('uploads a missing blob in consecutive parts with inclusive byte ranges, then completes it with its digest', async () => {
    const layer = blob('0123456789'); // 10 bytes in parts of 4: 0-3, 4-7, 8-9
    const m = imageManifest([layer]);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(m.digest);
    ecr.on(BatchCheckLayerAvailabilityCommand, DST).resolves({
      layers: [{ layerDigest: m.config.digest, layerAvailability: 'AVAILABLE', layerSize: m.config.size }],
      failures: [{ layerDigest: layer.digest, failureCode: 'MissingLayerDigest' }],
    });

    const result = await copyImage({ source, target, digest: m.digest, tag: 'abc1234', download });

    const parts = ecr.commandCalls(UploadLayerPartCommand).map((c) => c.args[0].input);
    expect(
      parts.map((p) => [p.partFirstByte, p.partLastByte, Buffer.from(p.layerPartBlob!).toString()]),
    ).toEqual([
      [0, 3, '0123'],
      [4, 7, '4567'],
      [8, 9, '89'],
    ]);
    expect(parts.every((p) => p.uploadId === 'up-1' && p.repositoryName === 'shop-production')).toBe(true);
    expect(ecr.commandCalls(CompleteLayerUploadCommand)[0]!.args[0].input).toEqual({
      repositoryName: 'shop-production',
      uploadId: 'up-1',
      layerDigests: [layer.digest],
    });
    expect(ecr.commandCalls(GetDownloadUrlForLayerCommand).map((c) => c.args[0].input)).toEqual([
      { repositoryName: 'shop-staging', layerDigest: layer.digest },
    ]);
    expect(result).toMatchObject({
      blobsCopied: 1,
      bytesCopied: 10,
      blobsSkipped: 1,
      bytesSkipped: m.config.size,
    });
  });

  it('asks about at most 100 blobs per BatchCheckLayerAvailability call', async () => {
    const layers = Array.from({ length: 150 }, (_, i) => blob(`layer ${i}`));
    const m = imageManifest(layers);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(m.digest);
    ecr.on(BatchCheckLayerAvailabilityCommand, DST).callsFake((input: { layerDigests: string[] }) => ({
      layers: input.layerDigests.map((layerDigest) => ({ layerDigest, layerAvailability: 'AVAILABLE' })),
    }));

    const progress: CopyProgress[] = [];
    const result = await copyImage({
      source,
      target,
      digest: m.digest,
      download,
      onProgress: (p) => progress.push(p),
    });

    const sizes = ecr
      .commandCalls(BatchCheckLayerAvailabilityCommand)
      .map((c) => c.args[0].input.layerDigests!.length);
    expect(sizes).toEqual([100, 51]);
    expect(result).toMatchObject({ blobsCopied: 0, blobsSkipped: 151 });
    expect(ecr.commandCalls(InitiateLayerUploadCommand)).toHaveLength(0);
    expect(progress.filter((p) => p.kind === 'blob' && p.action === 'skipped')).toHaveLength(151);
  });

  it('puts the child manifests of an index first, untagged, then the index with the tag', async () => {
    const a = imageManifest([blob('amd64 layer')]);
    const b = imageManifest([blob('arm64 layer')]);
    const index = `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"${a.digest}","size":${a.body.length}},{"mediaType":"${OCI_MANIFEST}","digest":"${b.digest}","size":${b.body.length}}]}`;
    const indexDigest = sha256(index);
    serveManifests([
      { ...a, mediaType: OCI_MANIFEST },
      { ...b, mediaType: OCI_MANIFEST },
      { body: index, digest: indexDigest, mediaType: OCI_INDEX },
    ]);
    emptyTarget(indexDigest);

    const result = await copyImage({ source, target, digest: indexDigest, tag: 'abc1234', download });

    const puts = ecr.commandCalls(PutImageCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.imageDigest, p.imageTag])).toEqual([
      [a.digest, undefined],
      [b.digest, undefined],
      [indexDigest, 'abc1234'],
    ]);
    expect(puts[2]!.imageManifest).toBe(index);
    expect(puts[2]!.imageManifestMediaType).toBe(OCI_INDEX);
    expect(result.manifestsPut).toBe(3);
  });

  it('treats ImageAlreadyExistsException as success', async () => {
    const m = imageManifest([blob('x')]);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(m.digest);
    ecr
      .on(PutImageCommand, DST)
      .rejects(new ImageAlreadyExistsException({ message: 'exists', $metadata: {} }));
    const result = await copyImage({ source, target, digest: m.digest, tag: 'abc1234', download });
    expect(result).toMatchObject({ digest: m.digest, manifestsPut: 0 });
  });

  it('treats ImageTagAlreadyExistsException as success when the tag already names this digest', async () => {
    const m = imageManifest([blob('y')]);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(m.digest);
    ecr
      .on(PutImageCommand, DST)
      .rejects(new ImageTagAlreadyExistsException({ message: 'immutable', $metadata: {} }));
    await expect(
      copyImage({ source, target, digest: m.digest, tag: 'abc1234', download }),
    ).resolves.toMatchObject({
      digest: m.digest,
    });
  });

  it('fails with exit 2 when an IMMUTABLE repository refuses the tag because it names another digest', async () => {
    const m = imageManifest([blob('z')]);
    const other = `sha256:${'e'.repeat(64)}`;
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(other);
    ecr
      .on(PutImageCommand, DST)
      .rejects(new ImageTagAlreadyExistsException({ message: 'immutable', $metadata: {} }));
    const err = await copyImage({ source, target, digest: m.digest, tag: 'abc1234', download }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImageCopyError);
    expect((err as ImageCopyError).message).toMatch(/tag abc1234 .* taken by another image.*IMMUTABLE/);
    expect((err as ImageCopyError).message).toContain(other);
    expect((err as ImageCopyError).hints.join(' ')).toContain('The same SHA was built twice');
  });

  it('checks the target first: a tag on another digest is refused before anything is uploaded', async () => {
    const m = imageManifest([blob('w')]);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    ecr
      .on(DescribeImagesCommand, DST)
      .resolves({ imageDetails: [{ imageDigest: `sha256:${'d'.repeat(64)}` }] });
    const err = await copyImage({ source, target, digest: m.digest, tag: 'abc1234', download }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImageCopyError);
    expect((err as ImageCopyError).message).toContain('already taken by another image');
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
    expect(ecr.commandCalls(InitiateLayerUploadCommand)).toHaveLength(0);
  });

  it('does nothing when the target already has the tag on this digest', async () => {
    const m = imageManifest([blob('v')]);
    ecr.on(DescribeImagesCommand, DST).resolves({ imageDetails: [{ imageDigest: m.digest }] });
    const result = await copyImage({ source, target, digest: m.digest, tag: 'abc1234', download });
    expect(result.alreadyPresent).toBe(true);
    expect(ecr.commandCalls(BatchGetImageCommand)).toHaveLength(0);
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('refuses a manifest that does not hash to the digest asked for (ECR converted it)', async () => {
    const m = imageManifest([blob('u')]);
    const converted = m.body.replace(/\s/g, '');
    ecr.on(BatchGetImageCommand, SRC).resolves({
      images: [
        {
          imageId: { imageDigest: m.digest },
          imageManifest: converted,
          imageManifestMediaType: OCI_MANIFEST,
        },
      ],
    });
    emptyTarget(m.digest);
    const err = await copyImage({ source, target, digest: m.digest, download }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageCopyError);
    expect((err as ImageCopyError).message).toContain('hashes to');
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('never completes an upload whose bytes do not match the digest', async () => {
    const layer = blob('the real layer');
    const m = imageManifest([layer]);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(m.digest);
    const tampered = async () => new Response('a different layer!');
    const err = await copyImage({ source, target, digest: m.digest, download: tampered }).catch(
      (e: unknown) => e,
    );
    expect(String(err)).toMatch(/hashing to/);
    expect(ecr.commandCalls(CompleteLayerUploadCommand)).toHaveLength(0);
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('fetches the pre-signed URL without an Authorization header', async () => {
    const layer = blob('plain get');
    const m = imageManifest([layer]);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(m.digest);
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = (async (url: string, init?: RequestInit) => {
      seen.push({ url, init });
      return new Response(new Uint8Array(blobs.get(url.slice(url.lastIndexOf('/') + 1))!));
    }) as typeof fetch;
    try {
      await copyImage({ source, target, digest: m.digest });
    } finally {
      globalThis.fetch = original;
    }
    expect(seen).toHaveLength(2);
    for (const { init } of seen) expect(new Headers(init?.headers).has('authorization')).toBe(false);
  });

  it('refuses, with what to inspect, when the target shows another digest after the copy', async () => {
    const m = imageManifest([blob('t')]);
    serveManifests([{ ...m, mediaType: OCI_MANIFEST }]);
    emptyTarget(`sha256:${'f'.repeat(64)}`);
    const err = await copyImage({ source, target, digest: m.digest, download }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageCopyError);
    expect((err as ImageCopyError).message).toContain(`reports sha256:${'f'.repeat(64)} instead of`);
    expect((err as ImageCopyError).hints.join(' ')).toContain('aws ecr describe-images');
  });

  it('rejects a digest that is not sha256 before any call', async () => {
    const err = await copyImage({ source, target, digest: 'latest', download }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageCopyError);
    expect((err as ImageCopyError).message).toContain('not an image digest');
    expect(ecr.calls()).toHaveLength(0);
  });
});
