import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from './exec.ts';

export const EXAMPLE_APP_DIR = fileURLToPath(new URL('../../../examples/app/', import.meta.url));

export interface BuildahStorage {
  root: string;
  runroot: string;
}

/** Where example images are built unless told: kept between runs so the node base is built once. */
export function defaultBuildStorage(): BuildahStorage {
  const base = join(tmpdir(), 'ferry-example-buildah');
  return { root: join(base, 'root'), runroot: join(base, 'runroot') };
}

export function storageArgs(storage: BuildahStorage): string[] {
  return ['--root', storage.root, '--runroot', storage.runroot, '--storage-driver', 'vfs'];
}

/** The shared libraries a binary loads, as `ldd` resolves them on this machine. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await exec('ldd', [binary]);
  return [...stdout.matchAll(/(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

/** A root file system with node, its libraries, a passwd with user `node`, and /tmp. */
export async function assembleNodeRootfs(dir: string, node = process.execPath): Promise<void> {
  await mkdir(join(dir, 'usr/local/bin'), { recursive: true });
  await copyFile(node, join(dir, 'usr/local/bin/node'));
  await chmod(join(dir, 'usr/local/bin/node'), 0o755);
  for (const lib of await sharedLibraries(node)) {
    await mkdir(join(dir, dirname(lib)), { recursive: true });
    await copyFile(lib, join(dir, lib));
  }
  await mkdir(join(dir, 'etc'), { recursive: true });
  await writeFile(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/app:/sbin/nologin\n',
  );
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await chmod(join(dir, 'tmp'), 0o1777);
}

/** `localhost/ferry-example-node:<node version>`, built FROM scratch if the storage lacks it. */
export async function ensureNodeBase(storage: BuildahStorage): Promise<string> {
  const tag = `localhost/ferry-example-node:${process.versions.node}`;
  const found = await exec('buildah', [...storageArgs(storage), 'images', '-q', tag]).catch(() => undefined);
  if (found?.stdout.trim()) return tag;
  const context = await mkdtemp(join(tmpdir(), 'ferry-node-rootfs-'));
  try {
    await assembleNodeRootfs(join(context, 'rootfs'));
    await writeFile(
      join(context, 'Containerfile'),
      'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin\n',
    );
    await exec('buildah', [
      ...storageArgs(storage),
      'bud',
      '--isolation',
      'chroot',
      '-f',
      join(context, 'Containerfile'),
      '-t',
      tag,
      context,
    ]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}

export interface BuildExampleOptions {
  /** `host:port/repository:tag`, such as `${sandbox.registryHost}/shop-staging:<sha>`. */
  image: string;
  /**
   * `health`: /health answers 503; `migration`: the migrate command fails; `slow-migration`:
   * the migrate command takes a minute. @default healthy
   */
  broken?: 'health' | 'migration' | 'slow-migration';
  storage?: BuildahStorage;
}

/** Builds examples/app with buildah from local files only, pushes it (plain HTTP) and returns its digest. */
export async function buildExampleImage(options: BuildExampleOptions): Promise<{ digest: string }> {
  const storage = options.storage ?? defaultBuildStorage();
  const base = await ensureNodeBase(storage);
  const work = await mkdtemp(join(tmpdir(), 'ferry-example-build-'));
  try {
    await writeFile(join(work, 'auth.json'), '{"auths":{}}');
    const authFile = join(work, 'auth.json');
    await exec('buildah', [
      ...storageArgs(storage),
      'bud',
      '--isolation',
      'chroot',
      '--pull-never',
      '--build-arg',
      `BASE=${base}`,
      '--build-arg',
      `BROKEN=${options.broken ?? ''}`,
      '-f',
      join(EXAMPLE_APP_DIR, 'Dockerfile'),
      '-t',
      options.image,
      EXAMPLE_APP_DIR,
    ]);
    const digestFile = join(work, 'digest');
    // Uncompressed layers: on loopback, gzip would cost more than the bytes it saves.
    await exec('buildah', [
      ...storageArgs(storage),
      'push',
      '--authfile',
      authFile,
      '--tls-verify=false',
      '--disable-compression',
      '--digestfile',
      digestFile,
      options.image,
      `docker://${options.image}`,
    ]);
    const digest = (await readFile(digestFile, 'utf8')).trim();
    // The registry has it now; the build storage keeps only the node base between runs.
    await exec('buildah', [...storageArgs(storage), 'rmi', options.image]).catch(() => undefined);
    return { digest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
