// The Pulumi program `ferry init` writes runs under mocks as the user's infra/ would, its
// `ferry/stacks` resolved through node_modules/ferry to this checkout's src/stacks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { infraProject, scaffoldFiles } from '../../src/init/files.ts';
import type { InitValues } from '../../src/init/values.ts';
import { linkFerryPackage } from '../support/ferry-package.ts';
import { runStack } from './harness.ts';

const VALUES: InitValues = {
  app: 'cart',
  region: 'us-east-2',
  stagingAccount: '333333333333',
  productionAccount: '444444444444',
  githubRepo: 'acme/cart',
  githubOwnerId: '1234567',
  githubRepositoryId: '7654321',
};

const scratch = mkdtempSync(join(tmpdir(), 'ferry-init-program-'));
const root = join(scratch, 'app');
linkFerryPackage(root, join(scratch, 'ferry-package'));
for (const file of scaffoldFiles(VALUES)) {
  mkdirSync(dirname(join(root, file.path)), { recursive: true });
  writeFileSync(join(root, file.path), file.content);
}
const at = { dir: `${join(root, 'infra')}/`, project: infraProject(VALUES.app) };
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeEach(() => {
  vi.resetModules();
});

describe('the infra/ program ferry init writes', () => {
  it('creates the staging environment from Pulumi.staging.yaml, descriptor included', async () => {
    const account = { accountId: VALUES.stagingAccount, region: VALUES.region };
    const run = await runStack('staging', {}, account, at);
    const descriptor = run.outputs.descriptor;
    expect(descriptor).toMatchObject({
      app: 'cart',
      environment: 'staging',
      region: 'us-east-2',
      accountId: '333333333333',
      cluster: 'cart-staging',
    });
    expect(run.one('aws:rds/instance:Instance').inputs.multiAz).toBe(false);
    expect(run.ofType('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toHaveLength(1);
    expect(run.outputs.promoteSourceRoleArn).toBe(
      'arn:aws:iam::333333333333:role/cart-staging-promote-source',
    );
    expect(run.outputs.ferryEnvironment).toEqual({
      staging: { roleArn: 'arn:aws:iam::333333333333:role/cart-staging-deploy' },
    });
  });

  it('creates production with the production defaults, its deploy role trusting the production environment', async () => {
    const account = { accountId: VALUES.productionAccount, region: VALUES.region };
    const run = await runStack('production', {}, account, at);
    expect(run.one('aws:rds/instance:Instance').inputs).toMatchObject({
      multiAz: true,
      deletionProtection: true,
    });
    // Another account than staging: production creates its own OIDC provider.
    expect(run.ofType('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toHaveLength(1);
    const role = run.ofType('aws:iam/role:Role').find((r) => r.name === 'cart-production-deploy');
    const subjects = JSON.parse(role!.inputs.assumeRolePolicy).Statement[0].Condition.StringEquals[
      'token.actions.githubusercontent.com:sub'
    ];
    expect(subjects).toContain('repo:acme/cart:environment:production');
    expect(subjects).toContain('repo:acme@1234567/cart@7654321:environment:production');
    expect(run.outputs.ferryEnvironment).toEqual({
      production: { roleArn: 'arn:aws:iam::444444444444:role/cart-production-deploy' },
    });
  });
});
