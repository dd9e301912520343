/**
 * The image builders ferry drives, and the exact commands it gives each one.
 * The commands are pure functions of a BuildSpec so that tests can read them.
 */
import { usageError } from '../errors.ts';
import type { ProcessRunner } from './process.ts';

export const BUILDERS = ['docker', 'podman', 'buildah'] as const;
export type BuilderName = (typeof BUILDERS)[number];

export function isBuilderName(value: string): value is BuilderName {
  return (BUILDERS as readonly string[]).includes(value);
}

const INSTALL: Record<BuilderName, string> = {
  docker: 'Docker Engine or Docker Desktop, https://docs.docker.com/get-docker/',
  podman: 'Podman, https://podman.io/docs/installation',
  buildah: 'Buildah, https://github.com/containers/buildah/blob/main/install.md',
};

export interface BuildSpec {
  /** `<repositoryUri>:<sha>` */
  image: string;
  sha: string;
  context: string;
  dockerfile: string;
  platform: string;
  /** `--build-arg NAME=VALUE` for each, in this order. */
  buildArgs?: Record<string, string>;
  /** The registry auth file (buildah, podman) or the directory holding config.json (docker). */
  auth: { file: string; dir: string };
  /** Where buildah and podman write the pushed manifest's digest. */
  digestFile: string;
  /** Plain-HTTP registry on a loopback address (the sandbox): TLS verification off, for it alone. */
  insecureRegistry: boolean;
}

export interface BuilderCommand {
  command: BuilderName;
  args: string[];
  /** Added to the inherited environment. */
  env: Record<string, string>;
}

export interface BuilderCommands {
  build: BuilderCommand;
  push: BuilderCommand;
  /** Whether `digestFile` holds the digest after the push (else it is read from the push output). */
  writesDigestFile: boolean;
}

const revisionLabel = (spec: BuildSpec) => ['--label', `org.opencontainers.image.revision=${spec.sha}`];

/**
 * The auth file is named twice for buildah and podman: `--authfile` on the
 * commands that talk to a registry, and REGISTRY_AUTH_FILE for anything they
 * start themselves. Docker reads it from DOCKER_CONFIG.
 */
export function builderCommands(name: BuilderName, spec: BuildSpec): BuilderCommands {
  const common = [
    '--platform',
    spec.platform,
    '-f',
    spec.dockerfile,
    '-t',
    spec.image,
    ...revisionLabel(spec),
    ...Object.entries(spec.buildArgs ?? {}).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
  ];
  const tls = spec.insecureRegistry ? ['--tls-verify=false'] : [];
  if (name === 'docker') {
    const env = { DOCKER_CONFIG: spec.auth.dir };
    return {
      build: { command: 'docker', args: ['build', ...common, spec.context], env },
      push: { command: 'docker', args: ['push', spec.image], env },
      writesDigestFile: false,
    };
  }
  const env = { REGISTRY_AUTH_FILE: spec.auth.file };
  const authfile = ['--authfile', spec.auth.file];
  const build = name === 'buildah' ? 'bud' : 'build';
  return {
    build: { command: name, args: [build, ...authfile, ...common, spec.context], env },
    push: {
      command: name,
      args: [
        'push',
        ...authfile,
        ...tls,
        '--digestfile',
        spec.digestFile,
        spec.image,
        `docker://${spec.image}`,
      ],
      env,
    },
    writesDigestFile: true,
  };
}

/** `docker push` ends with `<tag>: digest: sha256:... size: N`. */
export function digestFromPushOutput(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[0-9a-f]{64})/g)];
  return matches.at(-1)?.[1];
}

/** The registry host of a repository URI (`host[:port]/path`). */
export function registryHost(repositoryUri: string): string {
  const slash = repositoryUri.indexOf('/');
  return slash === -1 ? repositoryUri : repositoryUri.slice(0, slash);
}

/** Only a registry on this machine may be spoken to over plain HTTP. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

const DAEMON_CHECK_MS = 15_000;

export interface SelectedBuilder {
  name: BuilderName;
  path: string;
}

/**
 * `--builder` when given, else the first of docker, podman and buildah on
 * PATH. Docker also needs its daemon: a docker CLI without one is skipped
 * (or refused, when asked for by name).
 */
export async function selectBuilder(
  preferred: BuilderName | undefined,
  runner: ProcessRunner,
  env: NodeJS.ProcessEnv,
): Promise<SelectedBuilder> {
  const candidates = preferred ? [preferred] : [...BUILDERS];
  const skipped: string[] = [];
  for (const name of candidates) {
    const path = await runner.which(name, env);
    if (!path) {
      skipped.push(`${name} is not on PATH`);
      continue;
    }
    if (name === 'docker') {
      const problem = await dockerDaemonProblem(runner, env);
      if (problem) {
        skipped.push(problem);
        continue;
      }
    }
    return { name, path };
  }
  if (preferred) {
    throw usageError(
      `--builder ${preferred}: ${skipped.join('; ')}`,
      `Install ${INSTALL[preferred]}, or choose another --builder (${BUILDERS.filter((b) => b !== preferred).join(', ')}).`,
    );
  }
  throw usageError(
    `no image builder found (${skipped.join('; ')})`,
    `Install one of: ${BUILDERS.map((b) => INSTALL[b]).join('; ')}.`,
  );
}

async function dockerDaemonProblem(
  runner: ProcessRunner,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const res = await runner.run('docker', ['version', '--format', '{{.Server.Version}}'], {
    env,
    timeoutMs: DAEMON_CHECK_MS,
  });
  if (res.code === 0 && res.stdout.trim() !== '') return undefined;
  const why = res.stderr.trim().split('\n')[0] || `exit ${res.code}`;
  return `docker is installed but its daemon does not answer (${why}); start Docker`;
}
