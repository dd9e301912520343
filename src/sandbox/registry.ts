import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running `docker-registry` child serving plain HTTP on loopback, storing blobs in a temp dir. */
export interface RegistryProcess {
  /** `127.0.0.1:PORT`, the host part of every repositoryUri. */
  host: string;
  baseUrl: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function configYaml(root: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(root, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    // A fixed secret keeps upload state valid however requests are interleaved.
    '  secret: ferry-sandbox',
    '',
  ].join('\n');
}

async function waitUntilServing(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${baseUrl}/v2/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer on ${baseUrl} within 15s: ${output()}`);
}

/** Starts Debian's `docker-registry serve` and resolves once /v2/ answers. */
export async function startRegistry(command = 'docker-registry'): Promise<RegistryProcess> {
  const root = await mkdtemp(join(tmpdir(), 'ferry-sandbox-registry-'));
  const port = await freePort();
  const configPath = join(root, 'config.yml');
  await writeFile(configPath, configYaml(root, port));
  const child = spawn(command, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  // If the sandbox's own process ends without stop(), the registry must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([waitUntilServing(baseUrl, child, () => stderr), spawnError]);
  } catch (err) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    host: `127.0.0.1:${port}`,
    baseUrl,
    pid: child.pid,
    stop() {
      stopped ??= (async () => {
        process.off('exit', killOnExit);
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
        await rm(root, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
