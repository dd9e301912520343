import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildSources,
  checkPlatform,
  parseBuilder,
  refuseBuildIntoPromoted,
} from '../../../src/build/build-inputs.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { FerryError } from '../../../src/errors.ts';

function failure(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FerryError) return err;
    throw err;
  }
  throw new Error('expected a FerryError');
}

const config = parseConfig({
  app: 'shop',
  region: 'eu-west-1',
  environments: {
    staging: { roleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy' },
    production: { roleArn: 'arn:aws:iam::222222222222:role/shop-production-deploy', promoteFrom: 'staging' },
  },
});

describe('build inputs', () => {
  it('takes the three builders by name and refuses any other (exit 2)', () => {
    expect(parseBuilder(undefined)).toBeUndefined();
    for (const name of ['docker', 'podman', 'buildah']) expect(parseBuilder(name)).toBe(name);
    const err = failure(() => parseBuilder('kaniko'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('--builder: "kaniko" is not one of docker, podman, buildah');
  });

  it('builds into an environment of its own, and refuses one fed by promotion, naming the way in', () => {
    expect(() => refuseBuildIntoPromoted('staging', config)).not.toThrow();
    const err = failure(() => refuseBuildIntoPromoted('production', config));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^production receives its images from staging by `ferry promote`/);
    expect(err.hints.join(' ')).toContain('ferry promote --from staging --to production');
  });

  it.each([
    ['linux/amd64', true],
    ['linux/arm64/v8', true],
    ['linux', false],
    ['Linux/AMD64', false],
    ['linux/amd64,linux/arm64', false],
  ])('platform %s is accepted: %s', (platform, ok) => {
    if (ok) expect(checkPlatform(platform)).toBe(platform);
    else expect(failure(() => checkPlatform(platform)).message).toContain(`--platform: "${platform}"`);
  });

  const dir = mkdtempSync(join(tmpdir(), 'ferry-build-inputs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the context and Dockerfile against the config directory, and names the field that is wrong', async () => {
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'Dockerfile'), 'FROM scratch\n');
    expect(await buildSources(dir, { context: 'app', dockerfile: 'app/Dockerfile' })).toEqual({
      context: join(dir, 'app'),
      dockerfile: join(dir, 'app', 'Dockerfile'),
    });
    await expect(
      buildSources(dir, { context: 'app/Dockerfile', dockerfile: 'app/Dockerfile' }),
    ).rejects.toThrow(/^build.context: .* is not a directory/);
    await expect(buildSources(dir, { context: 'app', dockerfile: 'app' })).rejects.toThrow(
      /^build.dockerfile: .* is not a file/,
    );
  });
});
