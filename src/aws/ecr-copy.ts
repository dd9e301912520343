/**
 * Copies one image, by digest, from one ECR repository to another (another
 * account or region too) without rebuilding it: `ferry promote` uses it so that
 * production runs byte-for-byte the image that ran in staging. The manifest
 * string is put exactly as BatchGetImage returned it, so the digest is kept.
 */
import { createHash } from 'node:crypto';
import { BatchGetImageCommand, DescribeImagesCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import { ImageCopyError } from '../pipeline/port-errors.ts';
import {
  type Blob,
  type Download,
  missingBlobs,
  type RepositoryRef,
  transferBlob,
} from './ecr-copy-blobs.ts';
import { isAwsError } from './errors.ts';

export type { RepositoryRef } from './ecr-copy-blobs.ts';

/** All four, always: with fewer, ECR may convert the manifest and hand back a different image. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
] as const;

const INDEX_TYPES = new Set<string>([MANIFEST_MEDIA_TYPES[1], MANIFEST_MEDIA_TYPES[3]]);

export type CopyProgress =
  | { kind: 'blob'; digest: string; bytes: number; action: 'copied' | 'skipped' }
  | { kind: 'manifest'; digest: string; tag?: string; action: 'put' | 'existed' };

export interface CopyImageInput {
  source: RepositoryRef;
  target: RepositoryRef;
  digest: string;
  /** Tag to give the image in the target (the SHA); untagged when absent. */
  tag?: string;
  onProgress?: (progress: CopyProgress) => void;
  /** GETs a pre-signed layer URL; default global fetch. */
  download?: Download;
  signal?: AbortSignal;
}

export interface CopyResult {
  digest: string;
  tag?: string;
  /** The target already had the image (with the tag): nothing was copied or put. */
  alreadyPresent: boolean;
  blobsCopied: number;
  bytesCopied: number;
  blobsSkipped: number;
  bytesSkipped: number;
  manifestsPut: number;
}

interface Manifest {
  digest: string;
  body: string;
  mediaType: string;
  children: string[];
  blobs: Blob[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** Attempts per blob when the download or upload breaks off. */
const BLOB_ATTEMPTS = 3;

export async function copyImage(input: CopyImageInput): Promise<CopyResult> {
  if (!DIGEST.test(input.digest))
    throw new ImageCopyError(`not an image digest: ${JSON.stringify(input.digest)}`);
  const result: CopyResult = {
    digest: input.digest,
    ...(input.tag ? { tag: input.tag } : {}),
    alreadyPresent: false,
    blobsCopied: 0,
    bytesCopied: 0,
    blobsSkipped: 0,
    bytesSkipped: 0,
    manifestsPut: 0,
  };
  const present = await targetDigest(
    input.target,
    input.tag ? { imageTag: input.tag } : { imageDigest: input.digest },
  );
  if (present === input.digest) return { ...result, alreadyPresent: true };
  if (present !== undefined && input.tag) throw tagTaken(input.target, input.tag, present, input.digest);

  await copyManifest(input, result, input.digest, input.tag);

  const after = await targetDigest(
    input.target,
    input.tag ? { imageTag: input.tag } : { imageDigest: input.digest },
  );
  if (after !== input.digest) {
    throw new ImageCopyError(
      `after the copy, ${input.target.repositoryName}${input.tag ? `:${input.tag}` : ''} reports ${after ?? 'no image'} instead of ${input.digest}`,
      'Inspect the target repository with `aws ecr describe-images` before releasing from it.',
    );
  }
  return result;
}

/** Children first (untagged), then the blobs, then the manifest itself. */
async function copyManifest(
  input: CopyImageInput,
  result: CopyResult,
  digest: string,
  tag?: string,
): Promise<void> {
  const manifest = await readManifest(input.source, digest);
  for (const child of manifest.children) await copyManifest(input, result, child);
  await copyBlobs(input, result, manifest.blobs);
  const put = await putManifest(input.target, manifest, tag);
  if (put) result.manifestsPut += 1;
  input.onProgress?.({ kind: 'manifest', digest, ...(tag ? { tag } : {}), action: put ? 'put' : 'existed' });
}

async function copyBlobs(input: CopyImageInput, result: CopyResult, blobs: Blob[]): Promise<void> {
  const missing = new Set((await missingBlobs(input.target, blobs)).map((b) => b.digest));
  for (const blob of blobs) {
    if (!missing.has(blob.digest)) {
      result.blobsSkipped += 1;
      result.bytesSkipped += blob.size;
      input.onProgress?.({ kind: 'blob', digest: blob.digest, bytes: blob.size, action: 'skipped' });
      continue;
    }
    const bytes = await withAttempts(BLOB_ATTEMPTS, input.signal, () =>
      transferBlob(input.source, input.target, blob, {
        ...(input.download ? { download: input.download } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
      }),
    );
    result.blobsCopied += 1;
    result.bytesCopied += bytes;
    input.onProgress?.({ kind: 'blob', digest: blob.digest, bytes, action: 'copied' });
  }
}

async function readManifest(source: RepositoryRef, digest: string): Promise<Manifest> {
  const out = await source.client.send(
    new BatchGetImageCommand({
      ...ref(source),
      imageIds: [{ imageDigest: digest }],
      acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES],
    }),
  );
  const image = out.images?.[0];
  if (!image?.imageManifest) {
    const failure = out.failures?.[0];
    const why = failure ? `${failure.failureCode}: ${failure.failureReason}` : 'no image returned';
    throw new ImageCopyError(`image ${digest} cannot be read from ${source.repositoryName} (${why})`);
  }
  const body = image.imageManifest;
  const actual = `sha256:${createHash('sha256').update(body, 'utf8').digest('hex')}`;
  if (actual !== digest) {
    throw new ImageCopyError(
      `ECR returned a manifest for ${digest} in ${source.repositoryName} that hashes to ${actual}`,
    );
  }
  return parseManifest(digest, body, image.imageManifestMediaType);
}

export function parseManifest(digest: string, body: string, mediaType?: string): Manifest {
  const parsed = JSON.parse(body) as {
    mediaType?: string;
    manifests?: { digest: string }[];
    config?: { digest: string; size: number };
    layers?: { digest: string; size: number; mediaType?: string; urls?: string[] }[];
  };
  const type =
    mediaType ?? parsed.mediaType ?? (parsed.manifests ? MANIFEST_MEDIA_TYPES[3] : MANIFEST_MEDIA_TYPES[2]);
  if (INDEX_TYPES.has(type) || parsed.manifests) {
    return {
      digest,
      body,
      mediaType: type,
      children: (parsed.manifests ?? []).map((m) => m.digest),
      blobs: [],
    };
  }
  const seen = new Set<string>();
  const blobs: Blob[] = [];
  // Foreign (non-distributable) layers live at their `urls`, never in a registry.
  const layers = (parsed.layers ?? []).filter(
    (l) => !l.urls?.length && !/foreign|nondistributable/.test(l.mediaType ?? ''),
  );
  for (const d of [...(parsed.config ? [parsed.config] : []), ...layers]) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    blobs.push({ digest: d.digest, size: d.size });
  }
  return { digest, body, mediaType: type, children: [], blobs };
}

/** True when it put the manifest, false when the target already had it (with the tag). */
async function putManifest(target: RepositoryRef, manifest: Manifest, tag?: string): Promise<boolean> {
  try {
    await target.client.send(
      new PutImageCommand({
        ...ref(target),
        imageManifest: manifest.body,
        imageManifestMediaType: manifest.mediaType,
        imageDigest: manifest.digest,
        ...(tag ? { imageTag: tag } : {}),
      }),
    );
    return true;
  } catch (err) {
    if (isAwsError(err, 'ImageAlreadyExistsException')) return false;
    if (tag && isAwsError(err, 'ImageTagAlreadyExistsException')) {
      const current = await targetDigest(target, { imageTag: tag });
      if (current === manifest.digest) return false;
      throw tagTaken(target, tag, current, manifest.digest, true);
    }
    throw err;
  }
}

/** The digest the target has for this tag or digest, or undefined. */
async function targetDigest(
  target: RepositoryRef,
  imageId: { imageTag: string } | { imageDigest: string },
): Promise<string | undefined> {
  try {
    const out = await target.client.send(new DescribeImagesCommand({ ...ref(target), imageIds: [imageId] }));
    return out.imageDetails?.[0]?.imageDigest;
  } catch (err) {
    if (isAwsError(err, 'ImageNotFoundException')) return undefined;
    if (isAwsError(err, 'RepositoryNotFoundException')) {
      throw new ImageCopyError(
        `ECR repository ${target.repositoryName} does not exist in the target account and region`,
        "Check the target descriptor's repository and the role ferry uses for it.",
      );
    }
    throw err;
  }
}

/** `refused`: ECR itself refused to move the tag (ImageTagAlreadyExistsException from an IMMUTABLE repository). */
function tagTaken(
  target: RepositoryRef,
  tag: string,
  current: string | undefined,
  wanted: string,
  refused = false,
): ImageCopyError {
  const why = refused
    ? 'the repository is IMMUTABLE, so ECR refuses to move the tag'
    : 'a SHA names one image, so ferry will not move the tag';
  return new ImageCopyError(
    `tag ${tag} in ${target.repositoryName} is already taken by another image (${current ?? 'unknown digest'}), not ${wanted}: ${why}`,
    'The same SHA was built twice into different images. Promote the image the target already has, or investigate which build is the right one.',
  );
}

async function withAttempts<T>(
  attempts: number,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || signal?.aborted || err instanceof ImageCopyError) throw err;
    }
  }
}

const ref = (side: RepositoryRef) => ({
  repositoryName: side.repositoryName,
  ...(side.registryId ? { registryId: side.registryId } : {}),
});

/** "copied 2 blobs (1.2 MB), 3 already there (40.0 MB), 1 manifest put" for the log. */
export function describeCopy(result: CopyResult): string {
  if (result.alreadyPresent)
    return `the target already has ${result.digest}${result.tag ? ` as ${result.tag}` : ''}`;
  return `copied ${result.blobsCopied} blob(s) (${megabytes(result.bytesCopied)}), ${result.blobsSkipped} already there (${megabytes(result.bytesSkipped)}), ${result.manifestsPut} manifest(s) put`;
}

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
