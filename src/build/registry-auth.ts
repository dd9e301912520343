/**
 * Hands the ECR password to a builder without putting it on a command line or
 * in the user's own config: a private temporary auth file that exists only
 * while the builder runs.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuilderName } from './builders.ts';

export interface RegistryLogin {
  username: string;
  password: string;
}

export interface AuthFiles {
  /** buildah and podman: `--authfile` / REGISTRY_AUTH_FILE */
  file: string;
  /** docker: DOCKER_CONFIG */
  dir: string;
  /** Where the builder writes the pushed digest; inside the same private directory. */
  digestFile: string;
}

/** Docker state that must survive a temporary DOCKER_CONFIG: contexts (the daemon's address), plugins (buildx). */
const DOCKER_SHARED = ['contexts', 'cli-plugins', 'buildx'];

/**
 * Runs `fn` with the auth files in place and removes them afterwards, whatever
 * happens. The directory is created 0700 by mkdtemp, the file 0600.
 */
export async function withRegistryAuth<T>(
  input: { builder: BuilderName; host: string; login: RegistryLogin; env: NodeJS.ProcessEnv },
  fn: (files: AuthFiles) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(input.env.TMPDIR || tmpdir(), 'ferry-auth-'));
  try {
    const file = join(dir, input.builder === 'docker' ? 'config.json' : 'auth.json');
    const auth = Buffer.from(`${input.login.username}:${input.login.password}`).toString('base64');
    const config =
      input.builder === 'docker' ? await dockerConfig(dir, input.host, input.env) : { auths: {} };
    const auths = { ...(config.auths as object | undefined), [input.host]: { auth } };
    await writeFile(file, JSON.stringify({ ...config, auths }), { mode: 0o600 });
    return await fn({ file, dir, digestFile: join(dir, 'digest') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The user's docker config without the credential store, which would shadow
 * the `auths` entry for ECR; its contexts and plugins stay reachable.
 */
async function dockerConfig(
  dir: string,
  host: string,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, unknown>> {
  const home = env.DOCKER_CONFIG || (env.HOME ? join(env.HOME, '.docker') : undefined);
  if (!home) return { auths: {} };
  for (const entry of DOCKER_SHARED) {
    await symlink(join(home, entry), join(dir, entry)).catch(() => undefined);
  }
  let user: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(join(home, 'config.json'), 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      user = parsed as Record<string, unknown>;
  } catch {
    // no usable user config: ours alone will do
  }
  const { credsStore: _store, credHelpers, ...rest } = user;
  const helpers = { ...(credHelpers as Record<string, string> | undefined) };
  delete helpers[host];
  return { ...rest, ...(Object.keys(helpers).length > 0 ? { credHelpers: helpers } : {}) };
}
