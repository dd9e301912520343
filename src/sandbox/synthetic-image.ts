import type { RegistryClient } from './registry-client.ts';
import { sha256Digest } from './registry-client.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A one-file ustar archive: enough to be a valid uncompressed image layer. */
export function tarOneFile(name: string, content: Buffer, mtime = 0): Buffer {
  const header = Buffer.alloc(512);
  const put = (value: string, offset: number, length: number) =>
    header.write(value.slice(0, length), offset, 'ascii');
  const octal = (n: number, length: number) => `${n.toString(8).padStart(length - 1, '0')}\0`;
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(content.length, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/**
 * Pushes a tiny image (config blob, one layer, OCI manifest) through the registry API and tags it.
 * `content` makes each image distinct.
 */
export async function pushSyntheticImage(
  registry: RegistryClient,
  repo: string,
  tag: string,
  content: string,
): Promise<{ digest: string; manifest: string }> {
  const layer = tarOneFile('app/version.txt', Buffer.from(`${content}\n`));
  const layerDigest = await registry.putBlob(repo, layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['/app/server'], WorkingDir: '/app' },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] },
      history: [{ created_by: `ferry sandbox synthetic image (${content})` }],
    }),
  );
  const configDigest = await registry.putBlob(repo, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length },
    ],
  });
  const digest = await registry.putManifest(repo, tag, manifest, OCI_MANIFEST);
  return { digest, manifest };
}
