import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError, invalidParameter } from '../protocol/errors.ts';
import type { CallContext, JsonService } from '../protocol/types.ts';
import { MANIFEST_MEDIA_TYPES, sha256Digest } from '../registry-client.ts';
import { type EcrStore, type ImageRecord, imageSize, type Repository } from './ecr-store.ts';

interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

const PART_SIZE = 10_485_760;

function repoOf(store: EcrStore, params: Record<string, unknown>, ctx: CallContext): Repository {
  const name = String(params.repositoryName ?? '');
  const repo = store.repositories.get(name);
  if (!repo) {
    throw new AwsError(
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${String(params.registryId ?? ctx.caller.account)}'`,
    );
  }
  return repo;
}

function describeId(id: ImageId): string {
  return `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;
}

function findImage(images: ImageRecord[], id: ImageId): ImageRecord | undefined {
  return images.find(
    (img) =>
      (!id.imageDigest || img.digest === id.imageDigest) && (!id.imageTag || img.tags.includes(id.imageTag)),
  );
}

function detail(repo: Repository, img: ImageRecord) {
  let artifactMediaType: string | undefined;
  try {
    artifactMediaType = (JSON.parse(img.body) as { config?: { mediaType?: string } }).config?.mediaType;
  } catch {
    artifactMediaType = undefined;
  }
  return {
    registryId: repo.registryId,
    repositoryName: repo.repositoryName,
    imageDigest: img.digest,
    imageTags: img.tags.length > 0 ? img.tags : undefined,
    imageSizeInBytes: imageSize(img.body),
    imagePushedAt: img.pushedAt / 1000,
    imageManifestMediaType: img.mediaType,
    artifactMediaType,
  };
}

/** Digests a manifest refers to: child manifests of an index, or config plus layers of an image. */
function references(body: string): { children: string[]; blobs: string[] } {
  const m = JSON.parse(body) as {
    manifests?: { digest: string }[];
    config?: { digest: string };
    layers?: { digest: string }[];
  };
  return {
    children: (m.manifests ?? []).map((c) => c.digest),
    blobs: [...(m.config ? [m.config.digest] : []), ...(m.layers ?? []).map((l) => l.digest)],
  };
}

async function putImage(store: EcrStore, params: Record<string, unknown>, ctx: CallContext) {
  const repo = repoOf(store, params, ctx);
  const body = params.imageManifest;
  if (typeof body !== 'string' || body.length === 0) throw invalidParameter('imageManifest is required.');
  let parsed: { mediaType?: string };
  try {
    parsed = JSON.parse(body) as { mediaType?: string };
  } catch {
    throw invalidParameter(
      "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
    );
  }
  const mediaType = String(params.imageManifestMediaType ?? parsed.mediaType ?? '');
  if (!(MANIFEST_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    throw invalidParameter(
      `Invalid parameter at 'imageManifestMediaType': unsupported media type '${mediaType}'`,
    );
  }
  const digest = sha256Digest(body);
  if (params.imageDigest !== undefined && params.imageDigest !== digest) {
    throw new AwsError(
      'ImageDigestDoesNotMatchException',
      `The provided image digest '${String(params.imageDigest)}' does not match the digest of the manifest '${digest}'.`,
    );
  }
  const refs = references(body);
  const missingChildren = [];
  for (const child of refs.children)
    if (!(await store.registry.getManifest(repo.repositoryName, child))) missingChildren.push(child);
  if (missingChildren.length > 0) {
    throw new AwsError(
      'ReferencedImagesNotFoundException',
      `Manifests with digests '[${missingChildren.join(', ')}]' referenced by the manifest list are not in the repository '${repo.repositoryName}'`,
    );
  }
  const missingBlobs = [];
  for (const blob of refs.blobs) {
    if ((await store.registry.blobSize(repo.repositoryName, blob)) === undefined) missingBlobs.push(blob);
  }
  if (missingBlobs.length > 0) {
    throw new AwsError(
      'LayersNotFoundException',
      `Layers with digests '[${missingBlobs.join(', ')}]' required for pushing image into repository with name '${repo.repositoryName}' in the registry with id '${repo.registryId}' do not exist`,
    );
  }
  const tag = typeof params.imageTag === 'string' && params.imageTag !== '' ? params.imageTag : undefined;
  const current = await store.registry.getManifest(repo.repositoryName, tag ?? digest);
  if (current && current.digest === digest) {
    throw new AwsError(
      'ImageAlreadyExistsException',
      `Image with digest '${digest}'${tag ? ` and tag '${tag}'` : ''} already exists in the repository with name '${repo.repositoryName}' in registry with id '${repo.registryId}'`,
    );
  }
  if (current && tag && repo.imageTagMutability === 'IMMUTABLE') {
    throw new AwsError(
      'ImageTagAlreadyExistsException',
      `The image tag '${tag}' already exists in the '${repo.repositoryName}' repository and cannot be overwritten because the repository is immutable.`,
    );
  }
  await store.registry.putManifest(repo.repositoryName, tag ?? digest, body, mediaType);
  store.notePushed(repo.repositoryName, digest, tag !== undefined);
  return {
    image: {
      registryId: repo.registryId,
      repositoryName: repo.repositoryName,
      imageId: { imageDigest: digest, imageTag: tag },
      imageManifest: body,
      imageManifestMediaType: mediaType,
    },
  };
}

export function ecrService(store: EcrStore, now: () => number): JsonService {
  return {
    service: 'ecr',
    targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
    operations: {
      CreateRepository: (params, ctx) => {
        const name = String(params.repositoryName ?? '');
        if (!/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
          throw invalidParameter(`Invalid parameter at 'repositoryName' failed to satisfy constraint`);
        }
        if (store.repositories.has(name)) {
          throw new AwsError(
            'RepositoryAlreadyExistsException',
            `The repository with name '${name}' already exists in the registry with id '${ctx.caller.account}'`,
          );
        }
        const scanning = params.imageScanningConfiguration as { scanOnPush?: boolean } | undefined;
        const repo = store.createRepository(name, ctx.caller.account, ctx.region, {
          immutable: params.imageTagMutability === 'IMMUTABLE',
          scanOnPush: scanning?.scanOnPush,
        });
        return { repository: wireRepository(repo) };
      },
      DescribeRepositories: (params, ctx) => {
        const names = params.repositoryNames as string[] | undefined;
        const repos = names
          ? names.map((n) => repoOf(store, { repositoryName: n }, ctx))
          : [...store.repositories.values()];
        return { repositories: repos.map(wireRepository) };
      },
      DescribeImages: async (params, ctx) => {
        const repo = repoOf(store, params, ctx);
        const images = await store.images(repo.repositoryName);
        const ids = params.imageIds as ImageId[] | undefined;
        let selected = images;
        if (ids && ids.length > 0) {
          selected = ids.map((id) => {
            const img = findImage(images, id);
            if (!img) {
              throw new AwsError(
                'ImageNotFoundException',
                `The image with imageId ${describeId(id)} does not exist within the repository with name '${repo.repositoryName}' in the registry with id '${repo.registryId}'`,
              );
            }
            return img;
          });
        }
        const tagStatus = (params.filter as { tagStatus?: string } | undefined)?.tagStatus;
        if (tagStatus === 'TAGGED') selected = selected.filter((i) => i.tags.length > 0);
        if (tagStatus === 'UNTAGGED') selected = selected.filter((i) => i.tags.length === 0);
        return { imageDetails: selected.map((img) => detail(repo, img)) };
      },
      BatchGetImage: async (params, ctx) => {
        const repo = repoOf(store, params, ctx);
        const accepted = (params.acceptedMediaTypes as string[] | undefined) ?? [...MANIFEST_MEDIA_TYPES];
        const images = await store.images(repo.repositoryName);
        const found = [];
        const failures = [];
        for (const id of (params.imageIds as ImageId[] | undefined) ?? []) {
          const img = findImage(images, id);
          if (!img) {
            const tagOnly = id.imageTag && id.imageDigest && findImage(images, { imageTag: id.imageTag });
            failures.push({
              imageId: id,
              failureCode: tagOnly ? 'ImageTagDoesNotMatchDigest' : 'ImageNotFound',
              failureReason: tagOnly
                ? 'Requested image tag does not match digest'
                : 'Requested image not found',
            });
          } else if (!accepted.includes(img.mediaType)) {
            failures.push({
              imageId: id,
              failureCode: 'UnsupportedImageType',
              failureReason: `Image manifest media type ${img.mediaType} is not accepted`,
            });
          } else {
            found.push({
              registryId: repo.registryId,
              repositoryName: repo.repositoryName,
              imageId: { imageDigest: img.digest, imageTag: id.imageTag },
              imageManifest: img.body,
              imageManifestMediaType: img.mediaType,
            });
          }
        }
        return { images: found, failures };
      },
      PutImage: (params, ctx) => putImage(store, params, ctx),
      BatchCheckLayerAvailability: async (params, ctx) => {
        const repo = repoOf(store, params, ctx);
        const digests = (params.layerDigests as string[] | undefined) ?? [];
        if (digests.length < 1 || digests.length > 100) {
          throw invalidParameter(
            "Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Member must have length between 1 and 100'",
          );
        }
        const layers = [];
        const failures = [];
        for (const digest of digests) {
          const size = await store.registry.blobSize(repo.repositoryName, digest);
          if (size === undefined) {
            failures.push({
              layerDigest: digest,
              failureCode: 'MissingLayerDigest',
              failureReason: 'Could not find layer',
            });
          } else {
            layers.push({ layerDigest: digest, layerAvailability: 'AVAILABLE', layerSize: size });
          }
        }
        return { layers, failures };
      },
      GetDownloadUrlForLayer: async (params, ctx) => {
        const repo = repoOf(store, params, ctx);
        const digest = String(params.layerDigest ?? '');
        if ((await store.registry.blobSize(repo.repositoryName, digest)) === undefined) {
          throw new AwsError(
            'LayersNotFoundException',
            `The specified layer '${digest}' does not exist in the repository '${repo.repositoryName}'`,
          );
        }
        return { downloadUrl: store.registry.blobUrl(repo.repositoryName, digest), layerDigest: digest };
      },
      InitiateLayerUpload: (params, ctx) => {
        const repo = repoOf(store, params, ctx);
        const uploadId = randomUUID();
        store.uploads.set(uploadId, { repositoryName: repo.repositoryName, parts: [], nextByte: 0 });
        return { uploadId, partSize: PART_SIZE };
      },
      UploadLayerPart: (params, ctx) => {
        const repo = repoOf(store, params, ctx);
        const upload = store.uploads.get(String(params.uploadId ?? ''));
        if (!upload || upload.repositoryName !== repo.repositoryName) {
          throw new AwsError(
            'UploadNotFoundException',
            `The upload with id '${String(params.uploadId)}' does not exist`,
          );
        }
        const first = Number(params.partFirstByte);
        const last = Number(params.partLastByte);
        const data = Buffer.from(String(params.layerPartBlob ?? ''), 'base64');
        // Both bounds are inclusive and parts must follow each other without gaps.
        if (first !== upload.nextByte || last - first + 1 !== data.length) {
          throw new AwsError(
            'InvalidLayerPartException',
            `The layer part (${first}-${last}) is not consecutive with the last byte received (${upload.nextByte - 1}) or its size does not match`,
          );
        }
        upload.parts.push(data);
        upload.nextByte = last + 1;
        return {
          registryId: repo.registryId,
          repositoryName: repo.repositoryName,
          uploadId: params.uploadId,
          lastByteReceived: last,
        };
      },
      CompleteLayerUpload: async (params, ctx) => {
        const repo = repoOf(store, params, ctx);
        const uploadId = String(params.uploadId ?? '');
        const upload = store.uploads.get(uploadId);
        if (!upload || upload.repositoryName !== repo.repositoryName) {
          throw new AwsError('UploadNotFoundException', `The upload with id '${uploadId}' does not exist`);
        }
        const data = Buffer.concat(upload.parts);
        if (data.length === 0) throw new AwsError('EmptyUploadException', 'The upload has no layer parts');
        const digest = sha256Digest(data);
        const expected = (params.layerDigests as string[] | undefined)?.[0];
        if (expected !== digest) {
          throw new AwsError(
            'InvalidLayerException',
            `The calculated digest '${digest}' does not match '${String(expected)}'`,
          );
        }
        store.uploads.delete(uploadId);
        if ((await store.registry.blobSize(repo.repositoryName, digest)) !== undefined) {
          throw new AwsError(
            'LayerAlreadyExistsException',
            `The layer '${digest}' already exists in the repository`,
          );
        }
        await store.registry.putBlob(repo.repositoryName, data);
        return {
          registryId: repo.registryId,
          repositoryName: repo.repositoryName,
          uploadId,
          layerDigest: digest,
        };
      },
      GetAuthorizationToken: () => ({
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${randomBytes(24).toString('base64url')}`).toString(
              'base64',
            ),
            expiresAt: (now() + 12 * 3600 * 1000) / 1000,
            proxyEndpoint: `http://${store.registryHost}`,
          },
        ],
      }),
    },
  };
}

function wireRepository(repo: Repository) {
  return {
    repositoryArn: repo.repositoryArn,
    registryId: repo.registryId,
    repositoryName: repo.repositoryName,
    repositoryUri: repo.repositoryUri,
    createdAt: repo.createdAt / 1000,
    imageTagMutability: repo.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    encryptionConfiguration: { encryptionType: 'AES256' },
  };
}
