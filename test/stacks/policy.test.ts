// Each rule of the policy pack rejects a violating resource and accepts what the stacks create.
// The "good" resources are the props the production program really produced (mocked run).
import type { ResourceValidationPolicy } from '@pulumi/policy';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  databaseNotPublic,
  iamNoWildcards,
  oidcTrustPinned,
  policies,
  productionDatabaseProtected,
  repositoryImmutableAndScanned,
  serviceLeavesTaskDefinitionToFerry,
  serviceProtectedFromReplacement,
  serviceRollsOutSafely,
} from '../../stacks/policy/policies.ts';
import { policyArgs } from './guarantees.ts';
import { type RecordedResource, runStack, type StackRun } from './harness.ts';

let run: StackRun;
beforeAll(async () => {
  run = await runStack('production');
});

function check(
  policy: ResourceValidationPolicy,
  resource: RecordedResource,
  change: {
    props?: Record<string, unknown>;
    ignoreChanges?: string[];
    protect?: boolean;
    stack?: string;
  } = {},
): string[] {
  const messages: string[] = [];
  const changed: RecordedResource = {
    ...resource,
    inputs: { ...resource.inputs, ...change.props },
    opts: {
      ...resource.opts,
      ...(change.ignoreChanges ? { ignoreChanges: change.ignoreChanges } : {}),
      ...(change.protect !== undefined ? { protect: change.protect } : {}),
    },
  };
  const validate = policy.validateResource as (a: unknown, r: (m: string) => void) => void;
  validate(policyArgs(changed, change.stack ?? 'production'), (m) => messages.push(m));
  return messages;
}

const role = (suffix: string) =>
  run.ofType('aws:iam/role:Role').find((r) => r.name === `shop-production-${suffix}`)!;
const rolePolicy = (suffix: string) =>
  run.ofType('aws:iam/rolePolicy:RolePolicy').find((r) => r.name === `shop-production-${suffix}`)!;

describe('policy pack', () => {
  it('has every rule mandatory', () => {
    expect(policies.map((p) => p.enforcementLevel)).toEqual(policies.map(() => 'mandatory'));
  });

  describe('production-database-protected', () => {
    const db = () => run.one('aws:rds/instance:Instance');

    it('accepts the production database the stack creates', () => {
      expect(check(productionDatabaseProtected, db())).toEqual([]);
    });

    it.each([
      ['deletionProtection', false, /deletionProtection/],
      ['multiAz', false, /multiAz/],
      ['storageEncrypted', false, /storageEncrypted/],
    ])('rejects a production database with %s %s', (prop, bad, message) => {
      expect(check(productionDatabaseProtected, db(), { props: { [prop]: bad } })).toEqual([
        expect.stringMatching(message),
      ]);
    });

    it('recognises production by tag even in another stack, and leaves staging alone', () => {
      const unprotected = { deletionProtection: false, multiAz: false };
      expect(check(productionDatabaseProtected, db(), { props: unprotected, stack: 'eu' })).toHaveLength(2);
      expect(
        check(productionDatabaseProtected, db(), {
          props: { ...unprotected, tags: { 'ferry:environment': 'staging' } },
          stack: 'staging',
        }),
      ).toEqual([]);
    });
  });

  describe('database-not-public', () => {
    it('accepts the stack’s database and rejects a public one', () => {
      const db = run.one('aws:rds/instance:Instance');
      expect(check(databaseNotPublic, db)).toEqual([]);
      expect(
        check(databaseNotPublic, db, { props: { publiclyAccessible: true }, stack: 'staging' }),
      ).toHaveLength(1);
    });
  });

  describe('ecr-immutable-scanned', () => {
    it('accepts the stack’s repository', () => {
      expect(check(repositoryImmutableAndScanned, run.one('aws:ecr/repository:Repository'))).toEqual([]);
    });

    it('rejects mutable tags and a repository that is not scanned on push', () => {
      const repo = run.one('aws:ecr/repository:Repository');
      expect(
        check(repositoryImmutableAndScanned, repo, { props: { imageTagMutability: 'MUTABLE' } }),
      ).toEqual([expect.stringMatching(/IMMUTABLE/)]);
      expect(
        check(repositoryImmutableAndScanned, repo, {
          props: { imageScanningConfiguration: { scanOnPush: false } },
        }),
      ).toEqual([expect.stringMatching(/scan on push/)]);
    });
  });

  describe('ecs-safe-rollout', () => {
    const service = () => run.one('aws:ecs/service:Service');

    it('accepts the stack’s service', () => {
      expect(check(serviceRollsOutSafely, service())).toEqual([]);
    });

    it.each([
      [{ deploymentMinimumHealthyPercent: 50 }, /100 and deploymentMaximumPercent 200, got 50\/200/],
      [{ deploymentMaximumPercent: 150 }, /got 100\/150/],
      [{ deploymentCircuitBreaker: { enable: true, rollback: false } }, /rollback/],
      [{ deploymentCircuitBreaker: undefined }, /rollback/],
    ])('rejects %o', (props, message) => {
      expect(check(serviceRollsOutSafely, service(), { props })).toEqual([expect.stringMatching(message)]);
    });
  });

  describe('ecs-task-definition-owned-by-ferry', () => {
    it('accepts the stack’s service and rejects one that would revert releases', () => {
      const service = run.one('aws:ecs/service:Service');
      expect(check(serviceLeavesTaskDefinitionToFerry, service)).toEqual([]);
      expect(check(serviceLeavesTaskDefinitionToFerry, service, { ignoreChanges: [] })).toHaveLength(1);
    });
  });

  describe('ecs-service-protected', () => {
    it('accepts the stack’s protected service and rejects an unprotected one, saying why', () => {
      const service = run.one('aws:ecs/service:Service');
      expect(service.opts.protect).toBe(true);
      expect(check(serviceProtectedFromReplacement, service)).toEqual([]);
      expect(check(serviceProtectedFromReplacement, service, { protect: false })).toEqual([
        expect.stringMatching(/protect: true.*bootstrap revision, silently reverting/),
      ]);
    });
  });

  describe('iam-no-wildcards', () => {
    it('accepts the deploy and execution role policies the stack creates', () => {
      expect(check(iamNoWildcards, rolePolicy('deploy'))).toEqual([]);
      expect(check(iamNoWildcards, rolePolicy('execution'))).toEqual([]);
    });

    it('rejects a "*" action and a service-wide wildcard action', () => {
      for (const Action of ['*', 'ecs:*']) {
        const policy = JSON.stringify({
          Statement: [{ Effect: 'Allow', Action, Resource: 'arn:aws:ecs:::x' }],
        });
        expect(check(iamNoWildcards, rolePolicy('deploy'), { props: { policy } })).toEqual([
          expect.stringMatching(/wildcard action/),
        ]);
      }
    });

    it('rejects "*" resources for an action that can be scoped, also in a role’s inline policies', () => {
      const doc = {
        Statement: [{ Sid: 'X', Effect: 'Allow', Action: ['ecs:UpdateService'], Resource: '*' }],
      };
      expect(check(iamNoWildcards, rolePolicy('deploy'), { props: { policy: JSON.stringify(doc) } })).toEqual(
        [expect.stringMatching(/statement X allows ecs:UpdateService on "\*"/)],
      );
      expect(
        check(iamNoWildcards, role('task'), {
          props: { inlinePolicies: [{ name: 'i', policy: JSON.stringify(doc) }] },
        }),
      ).toHaveLength(1);
    });
  });

  describe('oidc-trust-pinned', () => {
    const trustWith = (condition: unknown) =>
      JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: 'arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com' },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: condition,
          },
        ],
      });

    it('accepts the deploy role and the ECS task roles the stack creates', () => {
      expect(check(oidcTrustPinned, role('deploy'))).toEqual([]);
      expect(check(oidcTrustPinned, role('task'))).toEqual([]);
    });

    it('rejects a trust without sub, with a wildcard sub, or widened by StringLike', () => {
      const aud = { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' };
      const cases = [
        { StringEquals: aud },
        { StringEquals: { ...aud, 'token.actions.githubusercontent.com:sub': 'repo:acme/*' } },
        {
          StringEquals: {
            ...aud,
            'token.actions.githubusercontent.com:sub': 'repo:acme/shop:ref:refs/heads/main',
          },
          StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/*' },
        },
        { StringEquals: { 'token.actions.githubusercontent.com:sub': 'repo:acme/shop:ref:refs/heads/main' } },
      ];
      for (const condition of cases) {
        expect(
          check(oidcTrustPinned, role('deploy'), { props: { assumeRolePolicy: trustWith(condition) } }),
          JSON.stringify(condition),
        ).toHaveLength(1);
      }
    });
  });
});
