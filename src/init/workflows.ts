// The GitHub workflows `ferry init` writes: OIDC only (no AWS keys), actions pinned by commit.

/** Actions pinned by full commit SHA: a tag can be moved, a commit cannot. */
export const PINNED_ACTIONS = {
  checkout: 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
  setupNode: 'actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444 # v5.0.0',
} as const;

/** Checkout, Node and `npm ci`: the steps every job starts with. */
function setupSteps(checkoutWith: string[]): string {
  return [
    `      - uses: ${PINNED_ACTIONS.checkout}`,
    '        with:',
    ...checkoutWith.map((line) => `          ${line}`),
    `      - uses: ${PINNED_ACTIONS.setupNode}`,
    '        with:',
    '          node-version: 24',
    '          cache: npm',
    '      - run: npm ci',
  ].join('\n');
}

export function deployWorkflow(): string {
  // Jobs that mint an OIDC token keep no git credentials on disk: nothing in them pushes.
  const steps = setupSteps(['persist-credentials: false']);
  return `# Written by \`ferry init\`. Release on every push to main: build once, deploy to staging,
# then promote the exact staging image to production after a reviewer approves the
# "production" environment. No AWS keys: ferry requests the job's OIDC token and assumes
# each environment's roleArn from ferry.config.json (the deploy roles infra/ creates).
# (ferry's composite action, with inputs command/environment/sha/config/args, can replace
# the \`npx ferry\` steps.)
name: deploy

on:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  staging:
    name: staging
    runs-on: ubuntu-latest
    timeout-minutes: 45
    # No \`environment:\` on this job on purpose: a job with an environment presents the OIDC
    # subject repo:OWNER/REPO:environment:NAME, and the staging role trusts pushes to main only.
    concurrency:
      group: ferry-staging
      cancel-in-progress: false
    permissions:
      id-token: write
      contents: read
    steps:
${steps}
      - name: Build the image (tagged with the commit SHA)
        run: npx ferry build --env staging --sha "\${{ github.sha }}"
      - name: Deploy to staging
        run: npx ferry deploy staging --sha "\${{ github.sha }}"

  production:
    name: production
    needs: staging
    runs-on: ubuntu-latest
    timeout-minutes: 45
    # Required reviewers on this environment make it the approval gate; the production role
    # trusts only repo:OWNER/REPO:environment:production. Promote reads staging through
    # staging's read-only promote-source role (promoteFromRoleArn in ferry.config.json).
    environment: production
    concurrency:
      group: ferry-production
      cancel-in-progress: false
    permissions:
      id-token: write
      contents: read
    steps:
${steps}
      - name: Promote the staging image to production
        run: npx ferry promote --from staging --to production --sha "\${{ github.sha }}"
`;
}

export function previewWorkflow(): string {
  const steps = setupSteps([
    '# The offline diff compares against origin/main, which a shallow clone lacks.',
    'fetch-depth: 0',
    'persist-credentials: false',
  ]);
  return `# Written by \`ferry init\`. Infrastructure preview for pull requests that change infra/.
# Offline: a pull request's OIDC subject is trusted by no deploy role, so the job gets no AWS
# access at all. It diffs the stack programs' intent against main and prints it to the log.
name: preview

on:
  pull_request:
    paths:
      - "infra/**"

permissions:
  contents: read

jobs:
  preview:
    name: preview (\${{ matrix.environment }})
    runs-on: ubuntu-latest
    timeout-minutes: 15
    concurrency:
      group: preview-\${{ github.event.pull_request.number }}-\${{ matrix.environment }}
      cancel-in-progress: true
    strategy:
      fail-fast: false
      matrix:
        environment: [staging, production]
    steps:
${steps}
      - name: Preview \${{ matrix.environment }} against main
        run: npx ferry preview "\${{ matrix.environment }}" --offline --base origin/main
`;
}
