import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILDER_TIMEOUT_MS } from '../../../src/build/run-build.ts';
import { DEFAULT_TIMEOUT } from '../../../src/cli/compose.ts';
import { parseDuration } from '../../../src/config/duration.ts';
import { ferryConfigSchema } from '../../../src/config/schema.ts';
import { scaffoldFiles } from '../../../src/init/files.ts';
import { DEFAULT_ROLLOUT_TIMEOUT_MS, longestReleaseMs } from '../../../src/pipeline/bounds.ts';

const example = ferryConfigSchema.parse(
  JSON.parse(readFileSync(new URL('../../../examples/app/ferry.config.json', import.meta.url), 'utf8')),
);
const minutes = (n: number) => n * 60_000;

describe('the longest a release can take', () => {
  it('is what the README says for the example config: 145 minutes to deploy, 175 to promote', () => {
    const timeout = parseDuration(DEFAULT_TIMEOUT, '--timeout');
    expect(longestReleaseMs(example, timeout, false)).toBe(minutes(145));
    expect(longestReleaseMs(example, timeout, true)).toBe(minutes(175));
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('**145 minutes** for `ferry deploy`');
    expect(readme).toContain('**175 minutes** for `ferry promote`');
  });

  it('shrinks with --timeout', () => {
    expect(longestReleaseMs(example, minutes(10), false)).toBe(minutes(105));
  });
});

describe('CI jobs outlast ferry’s own bounds (GitHub never cuts a release short)', () => {
  const jobs = (text: string) =>
    (parse(text) as { jobs: Record<string, { 'timeout-minutes': number }> }).jobs;
  const deployMinutes = (config: typeof example) =>
    Math.ceil((BUILDER_TIMEOUT_MS + longestReleaseMs(config, DEFAULT_ROLLOUT_TIMEOUT_MS, false)) / 60_000);
  const promoteMinutes = (config: typeof example) =>
    Math.ceil(longestReleaseMs(config, DEFAULT_ROLLOUT_TIMEOUT_MS, true) / 60_000);

  it('uses the CLI’s default rollout bound', () => {
    expect(DEFAULT_ROLLOUT_TIMEOUT_MS).toBe(parseDuration(DEFAULT_TIMEOUT, '--timeout'));
  });

  it('.github/workflows/deploy.yml: build + deploy, and promote, with the example config', () => {
    const deploy = jobs(
      readFileSync(new URL('../../../.github/workflows/deploy.yml', import.meta.url), 'utf8'),
    );
    expect(deploy.staging!['timeout-minutes']).toBeGreaterThan(deployMinutes(example));
    expect(deploy.production!['timeout-minutes']).toBeGreaterThan(promoteMinutes(example));
  });

  it('the workflow ferry init writes, with the config it writes', () => {
    const files = scaffoldFiles({
      app: 'shop',
      region: 'eu-west-1',
      stagingAccount: '111111111111',
      productionAccount: '222222222222',
      githubRepo: 'acme/shop',
    });
    const config = ferryConfigSchema.parse(
      JSON.parse(files.find((f) => f.path === 'ferry.config.json')!.content),
    );
    const deploy = jobs(files.find((f) => f.path === '.github/workflows/deploy.yml')!.content);
    expect(deploy.staging!['timeout-minutes']).toBeGreaterThan(deployMinutes(config));
    expect(deploy.production!['timeout-minutes']).toBeGreaterThan(promoteMinutes(config));
  });
});
