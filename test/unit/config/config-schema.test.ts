import { describe, expect, it } from 'vitest';
import { parseConfig, parseDescriptor } from '../../../src/config/load.ts';
import { FerryError } from '../../../src/errors.ts';

const minimal = {
  app: 'shop',
  region: 'eu-west-1',
  environments: { staging: { roleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy' } },
};

function failure(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FerryError) return err;
    throw err;
  }
  throw new Error('expected a FerryError');
}

describe('ferry.config.json', () => {
  it('fills the documented defaults for build, health and snapshots', () => {
    const config = parseConfig(minimal);
    expect(config.build).toEqual({ context: '.', dockerfile: 'Dockerfile', platform: 'linux/amd64' });
    expect(config.health).toEqual({
      path: '/health',
      expectStatus: 200,
      versionField: 'version',
      successes: 3,
      interval: 10_000,
      timeout: 300_000,
    });
    expect(config.snapshots.keep).toBe(5);
    expect(config.migrate).toBeUndefined();
  });

  it('accepts the example of docs/architecture.md unchanged', () => {
    const config = parseConfig({
      ...minimal,
      build: { context: '.', dockerfile: 'Dockerfile', platform: 'linux/amd64' },
      migrate: { command: ['npm', 'run', 'migrate'], timeout: '15m' },
      health: {
        path: '/health',
        expectStatus: 200,
        versionField: 'version',
        successes: 3,
        interval: '10s',
        timeout: '5m',
      },
      environments: {
        staging: { roleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy' },
        production: {
          roleArn: 'arn:aws:iam::222222222222:role/shop-production-deploy',
          promoteFrom: 'staging',
        },
      },
    });
    expect(config.environments.production?.promoteFrom).toBe('staging');
    expect(config.migrate?.command).toEqual(['npm', 'run', 'migrate']);
  });

  it('reports every problem with its JSON path, as a usage error (exit 2)', () => {
    const err = failure(() =>
      parseConfig({
        ...minimal,
        region: 'Europe',
        health: { successes: 0, interval: 'soon' },
        environments: { staging: { roleArn: 'not-an-arn', colour: 'blue' } },
      }),
    );
    expect(err.exitCode).toBe(2);
    const all = [err.message, ...err.hints].join('\n');
    expect(all).toContain('region: use an AWS region');
    expect(all).toContain('health.successes');
    expect(all).toContain('health.interval: use a duration');
    expect(all).toContain('environments.staging.roleArn: use an IAM role ARN');
    expect(all).toContain('environments.staging: unknown field "colour"');
    expect(err.message).toMatch(/and 4 more problems/);
  });

  it('takes build args by their Dockerfile ARG names and rejects a name that cannot be one', () => {
    const config = parseConfig({ ...minimal, build: { args: { BASE: 'localhost/node:24', BROKEN: '' } } });
    expect(config.build.args).toEqual({ BASE: 'localhost/node:24', BROKEN: '' });
    const err = failure(() => parseConfig({ ...minimal, build: { args: { 'BASE IMAGE': 'x' } } }));
    expect(err.exitCode).toBe(2);
    expect([err.message, ...err.hints].join('\n')).toContain('name build args like Dockerfile ARGs');
  });

  it('rejects a migrate command given as a string, saying how to write it', () => {
    const err = failure(() => parseConfig({ ...minimal, migrate: { command: 'npm run migrate' } }));
    expect(err.message).toContain('migrate.command');
  });

  it('rejects a config without environments', () => {
    const err = failure(() => parseConfig({ ...minimal, environments: {} }));
    expect(err.message).toContain('environments: define at least one environment');
  });
});

describe('ferry.config.json durations', () => {
  it('parses every duration field to milliseconds', () => {
    const config = parseConfig({
      ...minimal,
      migrate: { command: ['npm', 'run', 'migrate'], timeout: '10m' },
      health: { interval: '250ms', timeout: '1h' },
      notify: { timeout: '5s' },
    });
    expect(config.migrate?.timeout).toBe(600_000);
    expect(config.health.interval).toBe(250);
    expect(config.health.timeout).toBe(3_600_000);
    expect(config.notify?.timeout).toBe(5_000);
  });

  it('gives the documented string defaults as milliseconds', () => {
    const config = parseConfig({ ...minimal, migrate: { command: ['npm', 'run', 'migrate'] }, notify: {} });
    expect(config.migrate?.timeout).toBe(15 * 60_000);
    expect(config.notify?.timeout).toBe(10_000);
  });

  it.each([
    [{ migrate: { command: ['migrate'], timeout: '10 minutes' } }, 'migrate.timeout'],
    [{ health: { timeout: 300 } }, 'health.timeout'],
    [{ notify: { timeout: '0s' } }, 'notify.timeout'],
  ])('rejects a bad duration in one line naming the field: %j', (fields, field) => {
    const err = failure(() => parseConfig({ ...minimal, ...fields }));
    expect(err.exitCode).toBe(2);
    expect(err.message).not.toContain('\n');
    expect(err.hints).toEqual([]);
    expect(err.message).toBe(`ferry.config.json: ${field}: use a duration such as 250ms, 5s or 10m`);
  });
});

describe('ferry.config.json migrate.paths and migrate.dangerous (migration checks)', () => {
  const migrate = { command: ['npm', 'run', 'migrate'] };

  it('leaves both unset by default, so the check is off', () => {
    const config = parseConfig({ ...minimal, migrate });
    expect(config.migrate?.paths).toBeUndefined();
    expect(config.migrate?.dangerous).toBeUndefined();
  });

  it('accepts globs relative to the config file and "warn" or "fail"', () => {
    const config = parseConfig({
      ...minimal,
      migrate: { ...migrate, paths: ['db/migrations/**/*.sql', './sql/*.sql'], dangerous: 'fail' },
    });
    expect(config.migrate?.paths).toEqual(['db/migrations/**/*.sql', './sql/*.sql']);
    expect(config.migrate?.dangerous).toBe('fail');
  });

  it('rejects globs outside the config directory, an empty list and unknown modes, with their paths', () => {
    const err = failure(() =>
      parseConfig({
        ...minimal,
        migrate: { ...migrate, paths: ['/abs/*.sql', '../up/*.sql'], dangerous: 'ignore' },
      }),
    );
    const all = [err.message, ...err.hints].join('\n');
    expect(all).toContain('migrate.paths.0: use a glob relative to the config file');
    expect(all).toContain('migrate.paths.1: use a glob relative to the config file');
    expect(all).toContain('migrate.dangerous');
    const empty = failure(() => parseConfig({ ...minimal, migrate: { ...migrate, paths: [] } }));
    expect([empty.message, ...empty.hints].join('\n')).toContain('migrate.paths: list at least one glob');
  });
});

describe('environment descriptor', () => {
  const descriptor = {
    version: 1,
    app: 'shop',
    environment: 'staging',
    region: 'eu-west-1',
    accountId: '111111111111',
    cluster: 'shop-staging',
    services: [
      {
        name: 'shop-staging-web',
        container: 'web',
        baseUrl: 'http://shop-staging-123.eu-west-1.elb.amazonaws.com',
        targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/shop/1',
      },
    ],
    repository: { name: 'shop-staging', uri: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging' },
    database: { identifier: 'shop-staging', kind: 'instance' },
    taskDefinitionFamily: 'shop-staging-web',
    network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
  };

  it('accepts the JSON of docs/descriptor.md', () => {
    expect(parseDescriptor(descriptor, 'SSM /ferry/shop/staging/descriptor').cluster).toBe('shop-staging');
  });

  it('names the source and the failing path', () => {
    const err = failure(() =>
      parseDescriptor({ ...descriptor, accountId: '42', services: [] }, 'SSM /ferry/shop/staging/descriptor'),
    );
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(
      /^SSM \/ferry\/shop\/staging\/descriptor: accountId: use the 12-digit account id/,
    );
    expect(err.hints.join('\n')).toContain('services: list at least one service');
  });
});
