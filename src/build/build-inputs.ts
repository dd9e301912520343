/**
 * What a build takes from its options and the config, checked before any AWS
 * call or builder runs: each problem is a usage error (exit 2) with nothing built.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FerryConfig } from '../config/schema.ts';
import { usageError } from '../errors.ts';
import { type BuilderName, isBuilderName } from './builders.ts';

const PLATFORM = /^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/;

/** `--builder`: one of the builders ferry drives, or none to let ferry pick. */
export function parseBuilder(value: string | undefined): BuilderName | undefined {
  if (value === undefined) return undefined;
  if (!isBuilderName(value)) throw usageError(`--builder: "${value}" is not one of docker, podman, buildah`);
  return value;
}

/** Production must run the very image that ran in staging: it receives copies, never its own builds. */
export function refuseBuildIntoPromoted(env: string, config: FerryConfig): void {
  const promoteFrom = config.environments[env]?.promoteFrom;
  if (!promoteFrom) return;
  throw usageError(
    `${env} receives its images from ${promoteFrom} by \`ferry promote\`, never from a build`,
    `Build into ${promoteFrom} (ferry build --env ${promoteFrom}), deploy and check it there, then run: ferry promote --from ${promoteFrom} --to ${env}`,
  );
}

/** `--platform`, or the config's: `os/arch[/variant]`, as every builder spells it. */
export function checkPlatform(platform: string): string {
  if (!PLATFORM.test(platform)) {
    throw usageError(`--platform: "${platform}" is not a platform such as linux/amd64 or linux/arm64`);
  }
  return platform;
}

/** The config's build.context and build.dockerfile, made absolute (they are relative to the config file). */
export async function buildSources(
  configDir: string,
  build: { context: string; dockerfile: string },
): Promise<{ context: string; dockerfile: string }> {
  const context = resolve(configDir, build.context);
  const dockerfile = resolve(configDir, build.dockerfile);
  await mustExist(context, 'directory', 'build.context');
  await mustExist(dockerfile, 'file', 'build.dockerfile');
  return { context, dockerfile };
}

async function mustExist(path: string, kind: 'file' | 'directory', field: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  const ok = kind === 'file' ? found?.isFile() : found?.isDirectory();
  if (!ok)
    throw usageError(
      `${field}: ${path} is not a ${kind}; fix ${field} in the config (it is relative to the config file)`,
    );
}
