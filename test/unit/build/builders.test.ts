import { describe, expect, it } from 'vitest';
import {
  type BuildSpec,
  builderCommands,
  digestFromPushOutput,
  isLoopbackHost,
  registryHost,
  selectBuilder,
} from '../../../src/build/builders.ts';
import { FerryError } from '../../../src/errors.ts';
import { FakeRunner } from './fake-runner.ts';

const env = { PATH: '/usr/bin' };

/** docker answers `docker version` with a server version only when `daemon` is true. */
function machine(onPath: string[], daemon: boolean): FakeRunner {
  return new FakeRunner(onPath, (call) =>
    call.command === 'docker' && call.args[0] === 'version'
      ? daemon
        ? { stdout: '28.2.2\n' }
        : { code: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n' }
      : {},
  );
}

async function refusal(promise: Promise<unknown>): Promise<FerryError> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FerryError);
  expect((err as FerryError).exitCode).toBe(2);
  return err as FerryError;
}

describe('choosing the builder', () => {
  it('prefers docker when its daemon answers', async () => {
    const runner = machine(['docker', 'podman', 'buildah'], true);
    expect((await selectBuilder(undefined, runner, env)).name).toBe('docker');
    expect(runner.calls[0]!.args).toEqual(['version', '--format', '{{.Server.Version}}']);
  });

  it('passes over a docker CLI whose daemon does not answer', async () => {
    expect((await selectBuilder(undefined, machine(['docker', 'podman', 'buildah'], false), env)).name).toBe(
      'podman',
    );
    expect((await selectBuilder(undefined, machine(['docker', 'buildah'], false), env)).name).toBe('buildah');
  });

  it('takes the first one on PATH', async () => {
    expect((await selectBuilder(undefined, machine(['buildah'], false), env)).name).toBe('buildah');
  });

  it('fails with exit 2 naming what to install when there is none', async () => {
    const err = await refusal(selectBuilder(undefined, machine([], false), env));
    expect(err.message).toMatch(/no image builder found/);
    expect(err.message).toMatch(/docker is not on PATH.*podman is not on PATH.*buildah is not on PATH/);
    expect(err.hints.join(' ')).toMatch(/Docker.*Podman.*Buildah/);
  });

  it('fails with exit 2 when the asked-for builder is missing, naming how to install it', async () => {
    const err = await refusal(selectBuilder('podman', machine(['docker', 'buildah'], true), env));
    expect(err.message).toContain('--builder podman: podman is not on PATH');
    expect(err.hints.join(' ')).toContain('podman.io');
  });

  it('fails with exit 2 when --builder docker is asked for and the daemon is down', async () => {
    const err = await refusal(selectBuilder('docker', machine(['docker', 'buildah'], false), env));
    expect(err.message).toMatch(/daemon does not answer.*Cannot connect/);
  });
});

const spec: BuildSpec = {
  image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging:abc1234',
  sha: 'abc1234',
  context: '/src/app',
  dockerfile: '/src/app/Dockerfile',
  platform: 'linux/arm64',
  auth: { file: '/tmp/ferry-auth-x/auth.json', dir: '/tmp/ferry-auth-x' },
  digestFile: '/tmp/ferry-auth-x/digest',
  insecureRegistry: false,
};
const common = ['--platform', 'linux/arm64', '-f', '/src/app/Dockerfile', '-t', spec.image];
const label = ['--label', 'org.opencontainers.image.revision=abc1234'];

describe('the commands each builder runs', () => {
  it('buildah: bud then push with the auth file and a digest file', () => {
    const cmds = builderCommands('buildah', spec);
    expect(cmds.build).toEqual({
      command: 'buildah',
      args: ['bud', '--authfile', spec.auth.file, ...common, ...label, '/src/app'],
      env: { REGISTRY_AUTH_FILE: spec.auth.file },
    });
    expect(cmds.push.args).toEqual([
      'push',
      '--authfile',
      spec.auth.file,
      '--digestfile',
      spec.digestFile,
      spec.image,
      `docker://${spec.image}`,
    ]);
    expect(cmds.writesDigestFile).toBe(true);
  });

  it('podman: build then push, the same way', () => {
    const cmds = builderCommands('podman', spec);
    expect(cmds.build.args).toEqual(['build', '--authfile', spec.auth.file, ...common, ...label, '/src/app']);
    expect(cmds.push.args.slice(0, 5)).toEqual([
      'push',
      '--authfile',
      spec.auth.file,
      '--digestfile',
      spec.digestFile,
    ]);
    expect(cmds.push.env).toEqual({ REGISTRY_AUTH_FILE: spec.auth.file });
  });

  it('docker: the login comes from a temporary DOCKER_CONFIG, never from the command line', () => {
    const cmds = builderCommands('docker', spec);
    expect(cmds.build).toEqual({
      command: 'docker',
      args: ['build', ...common, ...label, '/src/app'],
      env: { DOCKER_CONFIG: spec.auth.dir },
    });
    expect(cmds.push).toEqual({
      command: 'docker',
      args: ['push', spec.image],
      env: { DOCKER_CONFIG: spec.auth.dir },
    });
    expect(cmds.writesDigestFile).toBe(false);
  });

  it('passes the build args to every builder, in order, after the label', () => {
    const buildArgs = { BASE: 'localhost/ferry-example-node:24', BROKEN: 'health' };
    const args = ['--build-arg', 'BASE=localhost/ferry-example-node:24', '--build-arg', 'BROKEN=health'];
    expect(builderCommands('buildah', { ...spec, buildArgs }).build.args).toEqual([
      'bud',
      '--authfile',
      spec.auth.file,
      ...common,
      ...label,
      ...args,
      '/src/app',
    ]);
    expect(builderCommands('podman', { ...spec, buildArgs }).build.args.slice(-5)).toEqual([
      ...args,
      '/src/app',
    ]);
    expect(builderCommands('docker', { ...spec, buildArgs }).build.args.slice(-5)).toEqual([
      ...args,
      '/src/app',
    ]);
    expect(builderCommands('docker', { ...spec, buildArgs }).push.args).toEqual(['push', spec.image]);
  });

  it('turns TLS verification off only for a loopback registry, and only on push', () => {
    for (const name of ['buildah', 'podman'] as const) {
      expect(builderCommands(name, spec).push.args).not.toContain('--tls-verify=false');
      const local = builderCommands(name, { ...spec, insecureRegistry: true });
      expect(local.push.args).toContain('--tls-verify=false');
      expect(local.build.args).not.toContain('--tls-verify=false');
    }
  });
});

describe('registry addresses and digests', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['127.0.0.1', true],
    ['127.1.2.3:80', true],
    ['localhost:5000', true],
    ['[::1]:5000', true],
    ['111111111111.dkr.ecr.eu-west-1.amazonaws.com', false],
    ['127.0.0.1.nip.io', false],
    ['10.0.0.1:5000', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('takes the host of a repository URI', () => {
    expect(registryHost('127.0.0.1:4000/shop-staging')).toBe('127.0.0.1:4000');
    expect(registryHost('111111111111.dkr.ecr.eu-west-1.amazonaws.com/team/shop')).toBe(
      '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
    );
  });

  it("reads the digest from docker push's last line", () => {
    const digest = `sha256:${'4'.repeat(64)}`;
    expect(digestFromPushOutput(`abc: Pushed\nabc1234: digest: ${digest} size: 528\n`)).toBe(digest);
    expect(digestFromPushOutput('nothing here')).toBeUndefined();
  });
});
