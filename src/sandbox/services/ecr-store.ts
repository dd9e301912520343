import { type RegistryClient, sha256Digest } from '../registry-client.ts';

export interface Repository {
  repositoryName: string;
  repositoryArn: string;
  registryId: string;
  repositoryUri: string;
  createdAt: number;
  imageTagMutability: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush: boolean;
}

export interface ImageRecord {
  digest: string;
  tags: string[];
  mediaType: string;
  body: string;
  pushedAt: number;
}

interface Upload {
  repositoryName: string;
  parts: Buffer[];
  nextByte: number;
}

/**
 * ECR's view of the real registry: repository metadata lives here, images and blobs in the registry.
 * Images pushed around ECR (buildah, skopeo) are discovered through their tags.
 */
export class EcrStore {
  readonly repositories = new Map<string, Repository>();
  readonly uploads = new Map<string, Upload>();
  /** First time the sandbox saw each `repo@digest`, ECR's imagePushedAt. */
  readonly #pushedAt = new Map<string, number>();
  /** Digests put without a tag: the registry cannot list those. */
  readonly #untagged = new Map<string, Set<string>>();
  readonly registry: RegistryClient;
  readonly registryHost: string;
  readonly #now: () => number;

  constructor(registry: RegistryClient, registryHost: string, now: () => number) {
    this.registry = registry;
    this.registryHost = registryHost;
    this.#now = now;
  }

  createRepository(
    name: string,
    account: string,
    region: string,
    options: { immutable?: boolean; scanOnPush?: boolean } = {},
  ): Repository {
    const repo: Repository = {
      repositoryName: name,
      repositoryArn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
      registryId: account,
      repositoryUri: `${this.registryHost}/${name}`,
      createdAt: this.#now(),
      imageTagMutability: options.immutable ? 'IMMUTABLE' : 'MUTABLE',
      scanOnPush: options.scanOnPush ?? false,
    };
    this.repositories.set(name, repo);
    return repo;
  }

  notePushed(repo: string, digest: string, tagged: boolean): void {
    const key = `${repo}@${digest}`;
    if (!this.#pushedAt.has(key)) this.#pushedAt.set(key, this.#now());
    if (!tagged) {
      const set = this.#untagged.get(repo) ?? new Set();
      set.add(digest);
      this.#untagged.set(repo, set);
    }
  }

  /** Every image of a repository, grouped by digest, tags included. */
  async images(repo: string): Promise<ImageRecord[]> {
    const byDigest = new Map<string, ImageRecord>();
    const add = async (reference: string, tag?: string) => {
      const manifest = await this.registry.getManifest(repo, reference);
      if (!manifest) return;
      let record = byDigest.get(manifest.digest);
      if (!record) {
        this.notePushed(repo, manifest.digest, true);
        record = {
          digest: manifest.digest,
          tags: [],
          mediaType: manifest.mediaType,
          body: manifest.body,
          pushedAt: this.#pushedAt.get(`${repo}@${manifest.digest}`) ?? this.#now(),
        };
        byDigest.set(manifest.digest, record);
      }
      if (tag) record.tags.push(tag);
    };
    for (const tag of await this.registry.listTags(repo)) await add(tag, tag);
    for (const digest of this.#untagged.get(repo) ?? []) if (!byDigest.has(digest)) await add(digest);
    return [...byDigest.values()].sort((a, b) => a.pushedAt - b.pushedAt);
  }
}

/** Image size as ECR reports it: config plus compressed layers. */
export function imageSize(body: string): number {
  try {
    const m = JSON.parse(body) as { config?: { size?: number }; layers?: { size?: number }[] };
    return (m.config?.size ?? 0) + (m.layers ?? []).reduce((n, l) => n + (l.size ?? 0), 0) || body.length;
  } catch {
    return body.length;
  }
}

export function digestOf(body: string): string {
  return sha256Digest(body);
}
