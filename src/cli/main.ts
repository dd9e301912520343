import { readFileSync } from 'node:fs';
import { type Command, CommanderError, Option } from 'commander';
import { accessError } from '../aws/errors.ts';
import { ExitCode, isFerryError } from '../errors.ts';
import { MutationLog } from '../mutations.ts';
import { type Runtime, readRuntime } from '../runtime.ts';
import type { CliContext, GlobalOptions } from './context.ts';
import { printFailure } from './failure.ts';
import { formatCommanderError, helpPointer, TypoFirstCommand, usageResultLine } from './usage-errors.ts';

export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

type Loader = () => Promise<{ run: (args: never, ctx: CliContext) => Promise<number> }>;

/**
 * Declares the CLI surface of docs/architecture.md. Each command module is imported only when
 * that command runs, so `ferry --help` never loads the AWS SDK or Pulumi.
 */
export function buildProgram(
  io: Io,
  setExit: (code: number) => void,
  shared: { runtime: Runtime; mutations: MutationLog },
): Command {
  const program = new TypoFirstCommand('ferry')
    .description(
      'Ship one containerized app to AWS ECS Fargate + RDS: exact images, snapshots, safe rollouts.',
    )
    .version(packageVersion(), '-V, --version')
    .option('--config <file>', 'ferry.config.json to read', './ferry.config.json')
    .option('--app <name>', "application name (default: the config's app)")
    .option('--region <region>', "AWS region (default: the config's region)")
    .option('--role-arn <arn>', "IAM role to assume (default: the environment's roleArn)")
    .option('--descriptor <file>', 'read the environment descriptor from a file instead of SSM')
    .option('--json', 'NDJSON events on stdout, human output on stderr', false)
    .option('--dry-run', 'print the plan; make no mutating AWS call', false)
    .option('--poll-interval <duration>', 'how often to poll AWS while waiting (default 5s)')
    .option('--timeout <duration>', 'give up waiting for a rollout after this long (default 30m)')
    .option('--verbose', 'print every AWS call and more detail', false)
    .showHelpAfterError(helpPointer('ferry'))
    .showSuggestionAfterError(true)
    // Each command's --help lists the global options it accepts too (commands inherit this).
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(formatCommanderError(s)),
    });

  const context = (cmd: Command): CliContext => ({
    globals: cmd.optsWithGlobals() as GlobalOptions,
    env: io.env,
    runtime: shared.runtime,
    mutations: shared.mutations,
    cwd: io.cwd,
    stdout: io.stdout,
    stderr: io.stderr,
    isTTY: Boolean(io.stderr.isTTY),
    signal: io.signal,
  });

  const action =
    (load: Loader) =>
    async (...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      const positional = params.slice(0, -2);
      const opts = params[params.length - 2] as Record<string, unknown>;
      const mod = await load();
      setExit(await mod.run({ ...opts, args: positional } as never, context(cmd)));
    };

  for (const register of commandTable) register(program, action);
  // A mistyped flag is the subcommand's error: point at that command's help, not the whole CLI's.
  const pointAtHelp = (parent: Command, path: string) => {
    for (const command of parent.commands) {
      command.showHelpAfterError(helpPointer(`${path} ${command.name()}`));
      pointAtHelp(command, `${path} ${command.name()}`);
    }
  };
  pointAtHelp(program, 'ferry');
  return program;
}

type Registrar = (
  program: Command,
  action: (load: Loader) => (...params: unknown[]) => Promise<void>,
) => void;

const commandTable: Registrar[] = [
  (p, action) =>
    p
      .command('build')
      .description(
        'build the image for the current commit, tag it with its SHA and push it to the environment repository',
      )
      .option('--env <env>', 'environment whose repository receives the image', 'staging')
      .option('--sha <sha>', 'git SHA to tag (default: HEAD of a clean working tree)')
      .addOption(new Option('--builder <builder>', 'image builder').choices(['docker', 'podman', 'buildah']))
      .option('--platform <platform>', "target platform (default: the config's build.platform)")
      .action(action(() => import('./commands/build.ts'))),
  (p, action) =>
    p
      .command('deploy')
      .description('release SHA to <env>: snapshot, migrate, roll out, verify, roll back on failure')
      .argument('<env>', 'environment name, such as staging')
      .requiredOption('--sha <sha>', 'git SHA whose image to deploy (7-40 lowercase hex)')
      .option(
        '--skip-promotion',
        'emergency only: deploy to an environment with promoteFrom without `ferry promote` (recorded and flagged)',
        false,
      )
      .action(action(() => import('./commands/deploy.ts'))),
  (p, action) =>
    p
      .command('promote')
      .description('copy the exact image running in --from into --to (by digest) and release it there')
      .requiredOption('--from <env>', 'environment to promote from, such as staging')
      .requiredOption('--to <env>', 'environment to promote to, such as production')
      .option('--sha <sha>', 'SHA to promote (default: what is running in --from)')
      .option(
        '--allow-older',
        'promote a SHA older (by --from ledger order) than what --to runs; prefer `ferry rollback`',
        false,
      )
      .option(
        '--skip-source-check',
        'promote without checking that --from runs the release healthily now (recorded in the ledger)',
        false,
      )
      .action(action(() => import('./commands/promote.ts'))),
  (p, action) =>
    p
      .command('rollback')
      .description('redeploy the previous successful release (or --to SHA) to <env>')
      .argument('<env>', 'environment name')
      .option('--to <sha>', 'SHA of an earlier release to go back to')
      .action(action(() => import('./commands/rollback.ts'))),
  (p, action) =>
    p
      .command('status')
      .description('what runs where: SHA, digest, rollout, tasks, recent releases, lock')
      .argument('[env]', 'one environment (default: all in the config)')
      .action(action(() => import('./commands/status.ts'))),
  (p, action) =>
    p
      .command('history')
      .description('the release ledger of <env>')
      .argument('<env>', 'environment name')
      .addOption(new Option('--limit <n>', 'how many releases').default('20'))
      .action(action(() => import('./commands/history.ts'))),
  (p, action) =>
    p
      .command('preview')
      .description("show what `pulumi up` would change in <env>'s infrastructure")
      .argument('<env>', 'environment (stack) name')
      .option('--offline', 'compare the stack program with --base without AWS or the Pulumi CLI', false)
      .option('--base <ref>', 'git ref to compare with in --offline mode', 'HEAD')
      .option(
        '--comment',
        'in a pull request, also post the report as one comment, updated on each run',
        false,
      )
      .option(
        '--allow-danger',
        'exit 0 even when a change would replace or delete a database, repository or descriptor',
        false,
      )
      .action(action(() => import('./commands/preview.ts'))),
  (p, action) =>
    p
      .command('lock')
      .description("show or release an environment's deploy lock")
      .argument('<action>', 'status | release')
      .argument('<env>', 'environment name')
      .option(
        '--force',
        'release a live lock (its run may still be deploying): only once that run is dead',
        false,
      )
      .action(action(() => import('./commands/lock.ts'))),
  (p, action) =>
    p
      .command('metrics')
      .description(
        'DORA four keys from the release ledger: deploy frequency, lead time, change failure rate, time to restore',
      )
      .argument('[env]', 'one environment (default: all in the config)')
      .option('--since <window>', 'how far back: 48h, 30d, 12w or a date', '30d')
      .action(action(() => import('./commands/metrics.ts'))),
  (p, action) =>
    p
      .command('init')
      .description(
        'scaffold ferry.config.json, infra/ (Pulumi on ferry/stacks) and the deploy and preview workflows here',
      )
      .option('--staging-account <id>', 'AWS account id of staging (12 digits)')
      .option('--production-account <id>', 'AWS account id of production (may equal staging)')
      .option('--github-repo <owner/repo>', 'GitHub repository whose workflows may deploy')
      .option('--github-owner-id <id>', 'numeric owner id (gh api repos/OWNER/REPO --jq .owner.id)')
      .option('--github-repository-id <id>', 'numeric repository id (gh api repos/OWNER/REPO --jq .id)')
      .option('--force', 'overwrite files that already exist', false)
      .addHelpText(
        'after',
        '\nAlso reads the global --app and --region. Missing values are asked on a terminal; without one, each missing flag is an error.',
      )
      .action(action(() => import('./commands/init.ts'))),
  (p, action) =>
    p
      .command('descriptor')
      .description('check an environment descriptor file (for infrastructure not made by ferry/stacks)')
      .argument('<action>', 'validate')
      .argument('<file>', 'descriptor JSON file')
      .action(action(() => import('./commands/descriptor.ts'))),
  (p, action) =>
    p
      .command('doctor')
      .description(
        'read-only preflight of <env>: credentials, descriptor, permissions, service, repository, database, health, lock, alarms',
      )
      .argument('<env>', 'environment name')
      .option('--sha <sha>', 'also check that the image for this SHA is in the repository')
      .action(action(() => import('./commands/doctor.ts'))),
  (p, action) =>
    p
      .command('sandbox')
      .description('start the local simulated AWS and print its endpoint')
      .option('--port <port>', 'port on 127.0.0.1 (default: a free one)')
      .option('--seed <app>', 'seed an app (repositories, cluster, services, database, descriptors)')
      .option('--worker', 'with --seed: also a worker service (no load balancer) in each environment', false)
      .option('--time-scale <n>', 'how many times faster than real time the simulated AWS runs')
      .option('--real', 'run real images in buildah containers, a real load balancer and real PostgreSQL')
      .action(action(() => import('./commands/sandbox.ts')))
      .command('push')
      .description("push a new image into a running sandbox's registry (at AWS_ENDPOINT_URL); prints its SHA")
      .argument('<repository>', 'repository, such as shop-staging (APP-ENV of a seeded app)')
      .argument('[sha]', 'tag (default: a new random 40-character SHA)')
      .action(action(() => import('./commands/sandbox-push.ts'))),
];

export async function main(io: Io): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  // Read once per run: every command sees the same runtime, and the catch-all sees every change sent.
  const runtime = readRuntime(io.env);
  const mutations = new MutationLog();
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    { runtime, mutations },
  );
  try {
    await program.parseAsync(io.argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here as "errors" with exit code 0.
      if (err.exitCode === 0) return ExitCode.Ok;
      // --json promises a result line last, even when the command line itself was wrong.
      if (io.argv.includes('--json')) io.stdout.write(usageResultLine(err.message));
      return ExitCode.Usage;
    }
    const json = io.argv.includes('--json');
    // An SDK error that escaped a read (no credentials, no endpoint) before any change was sent is the
    // user's to fix (exit 2); after a change it is no longer "nothing changed".
    const failure =
      isFerryError(err) || mutations.mayHaveChanged
        ? err
        : (accessError(err, io.env.AWS_ENDPOINT_URL) ?? err);
    return printFailure(failure, { stdout: io.stdout, stderr: io.stderr, json, mutations });
  }
}
