import { describe, expect, it } from 'vitest';
import { expectedSubject, githubRepositoryOf } from '../../../src/cli/github-subject.ts';

describe('the OIDC subject ferry doctor shows', () => {
  it.each([
    ['https://github.com/acme/shop.git', 'acme/shop'],
    ['git@github.com:acme/shop.git', 'acme/shop'],
    ['https://github.com/acme/shop', 'acme/shop'],
    ['ssh://git@github.com/acme/my.app.git\n', 'acme/my.app'],
    ['https://gitlab.com/acme/shop.git', undefined],
    ['', undefined],
  ])('reads OWNER/REPO from the remote %j', (url, repo) => {
    expect(githubRepositoryOf(url)).toBe(repo);
  });

  it('is a push to main for a built environment, the GitHub environment for a promoted one', () => {
    expect(expectedSubject('acme/shop', 'staging', false)).toBe('repo:acme/shop:ref:refs/heads/main');
    expect(expectedSubject('acme/shop', 'production', true)).toBe('repo:acme/shop:environment:production');
  });
});
