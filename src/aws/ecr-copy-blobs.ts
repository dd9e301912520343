/**
 * Blob (config and layer) transfer between two ECR repositories through the
 * ECR API alone: the source's pre-signed download URL, the target's layer
 * upload. Works across accounts and regions with one client per side.
 */
import { createHash } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  type ECRClient,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { isAwsError } from './errors.ts';

export interface RepositoryRef {
  client: ECRClient;
  repositoryName: string;
  /** Another account's registry, when the credentials may reach it; default: the caller's own. */
  registryId?: string;
}

export interface Blob {
  digest: string;
  /** From the manifest's descriptor. */
  size: number;
}

/** BatchCheckLayerAvailability takes at most 100 digests per call. */
export const AVAILABILITY_BATCH = 100;
/** Used when InitiateLayerUpload names no part size. */
const DEFAULT_PART_SIZE = 10 * 1024 * 1024;

const repo = (side: RepositoryRef) => ({
  repositoryName: side.repositoryName,
  ...(side.registryId ? { registryId: side.registryId } : {}),
});

/** The blobs the target lacks (missing or unavailable), in the order given. */
export async function missingBlobs(target: RepositoryRef, blobs: Blob[]): Promise<Blob[]> {
  const available = new Set<string>();
  for (let i = 0; i < blobs.length; i += AVAILABILITY_BATCH) {
    const batch = blobs.slice(i, i + AVAILABILITY_BATCH);
    const out = await target.client.send(
      new BatchCheckLayerAvailabilityCommand({ ...repo(target), layerDigests: batch.map((b) => b.digest) }),
    );
    for (const layer of out.layers ?? []) {
      if (layer.layerDigest && layer.layerAvailability === 'AVAILABLE') available.add(layer.layerDigest);
    }
  }
  return blobs.filter((b) => !available.has(b.digest));
}

export type Download = (url: string, signal?: AbortSignal) => Promise<Response>;

/** A pre-signed URL: a plain GET, no Authorization header (S3 would reject a second signature). */
export const fetchDownload: Download = (url, signal) => fetch(url, signal ? { signal } : {});

/**
 * Streams one blob from the source's download URL into a layer upload on the
 * target, part by part (first and last byte both inclusive, consecutive).
 * Checks size and digest before completing. Returns the bytes sent.
 */
export async function transferBlob(
  source: RepositoryRef,
  target: RepositoryRef,
  blob: Blob,
  options: { download?: Download; signal?: AbortSignal } = {},
): Promise<number> {
  const located = await source.client.send(
    new GetDownloadUrlForLayerCommand({ ...repo(source), layerDigest: blob.digest }),
  );
  if (!located.downloadUrl) throw new Error(`ECR gave no download URL for ${blob.digest}`);
  const res = await (options.download ?? fetchDownload)(located.downloadUrl, options.signal);
  if (!res.ok || !res.body) throw new Error(`downloading ${blob.digest} failed: HTTP ${res.status}`);

  const started = await target.client.send(new InitiateLayerUploadCommand(repo(target)));
  const uploadId = started.uploadId;
  if (!uploadId) throw new Error(`ECR gave no upload id for ${blob.digest}`);
  const partSize = started.partSize && started.partSize > 0 ? started.partSize : DEFAULT_PART_SIZE;

  const hash = createHash('sha256');
  let sent = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const upload = async (part: Buffer) => {
    await target.client.send(
      new UploadLayerPartCommand({
        ...repo(target),
        uploadId,
        partFirstByte: sent,
        partLastByte: sent + part.length - 1,
        layerPartBlob: part,
      }),
    );
    sent += part.length;
  };
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    pending.push(Buffer.from(chunk));
    pendingBytes += chunk.length;
    while (pendingBytes >= partSize) {
      const all = Buffer.concat(pending);
      await upload(all.subarray(0, partSize));
      pending = [all.subarray(partSize)];
      pendingBytes = all.length - partSize;
    }
  }
  if (pendingBytes > 0) await upload(Buffer.concat(pending));

  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== blob.digest || sent !== blob.size) {
    throw new Error(
      `the download of ${blob.digest} was ${sent} bytes hashing to ${actual}; the manifest says ${blob.size} bytes`,
    );
  }
  try {
    await target.client.send(
      new CompleteLayerUploadCommand({ ...repo(target), uploadId, layerDigests: [blob.digest] }),
    );
  } catch (err) {
    // Another copy (or push) got there first: the blob is there, which is all that matters.
    if (!isAwsError(err, 'LayerAlreadyExistsException')) throw err;
  }
  return sent;
}
