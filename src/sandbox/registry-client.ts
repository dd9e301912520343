import { createHash } from 'node:crypto';

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
] as const;

export interface StoredManifest {
  /** The exact bytes the registry holds: copying must never re-serialise them. */
  body: string;
  mediaType: string;
  digest: string;
}

export function sha256Digest(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export class RegistryError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(message: string, status: number, body: string) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** A minimal client of the OCI distribution HTTP API v2, the registry's only interface. */
export class RegistryClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async getManifest(repo: string, reference: string): Promise<StoredManifest | undefined> {
    const res = await fetch(`${this.baseUrl}/v2/${repo}/manifests/${reference}`, {
      headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
    });
    if (res.status === 404) return undefined;
    const body = await res.text();
    if (!res.ok)
      throw new RegistryError(`GET manifest ${repo}:${reference}: ${res.status}`, res.status, body);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    return { body, mediaType, digest: res.headers.get('docker-content-digest') ?? sha256Digest(body) };
  }

  async putManifest(repo: string, reference: string, body: string, mediaType: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}/v2/${repo}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body,
    });
    const text = await res.text();
    if (!res.ok)
      throw new RegistryError(`PUT manifest ${repo}:${reference}: ${res.status} ${text}`, res.status, text);
    return res.headers.get('docker-content-digest') ?? sha256Digest(body);
  }

  async listTags(repo: string): Promise<string[]> {
    const res = await fetch(`${this.baseUrl}/v2/${repo}/tags/list?n=10000`);
    if (res.status === 404) return [];
    if (!res.ok) throw new RegistryError(`list tags ${repo}: ${res.status}`, res.status, await res.text());
    const json = (await res.json()) as { tags?: string[] | null };
    return json.tags ?? [];
  }

  /** The blob's size, or undefined when the repository does not hold it. */
  async blobSize(repo: string, digest: string): Promise<number | undefined> {
    const res = await fetch(`${this.baseUrl}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new RegistryError(`HEAD blob ${repo}@${digest}: ${res.status}`, res.status, '');
    return Number(res.headers.get('content-length') ?? '0');
  }

  blobUrl(repo: string, digest: string): string {
    return `${this.baseUrl}/v2/${repo}/blobs/${digest}`;
  }

  /** Monolithic upload (POST then PUT with the whole body); returns the digest. */
  async putBlob(repo: string, data: Buffer): Promise<string> {
    const digest = sha256Digest(data);
    if ((await this.blobSize(repo, digest)) !== undefined) return digest;
    const start = await fetch(`${this.baseUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    await start.text();
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) {
      throw new RegistryError(`start upload ${repo}: ${start.status}`, start.status, '');
    }
    const url = new URL(location, this.baseUrl);
    url.searchParams.set('digest', digest);
    const res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(data),
    });
    const text = await res.text();
    if (res.status !== 201)
      throw new RegistryError(`upload blob ${repo}: ${res.status} ${text}`, res.status, text);
    return digest;
  }
}
