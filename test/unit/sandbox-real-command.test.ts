import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { leafDescendants } from '../../src/sandbox/real/containers.ts';
import { resolveSecret } from '../../src/sandbox/real/index.ts';
import { commandLine } from '../../src/sandbox/real/task-runtime.ts';

describe('a real task’s command line, by ECS’s rules', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['node', 'server.ts'] };
  it.each([
    ['the image’s entrypoint and command', {}, undefined, ['/entry', 'node', 'server.ts']],
    [
      'a definition command replaces the image’s',
      { command: ['node', 'worker.ts'] },
      undefined,
      ['/entry', 'node', 'worker.ts'],
    ],
    [
      'an override replaces both commands',
      { command: ['a'] },
      ['node', 'migrate.ts'],
      ['/entry', 'node', 'migrate.ts'],
    ],
    [
      'a definition entryPoint drops the image’s command',
      { entryPoint: ['/bin/sh', '-c'] },
      undefined,
      ['/bin/sh', '-c'],
    ],
    ['a definition entryPoint keeps an override command', { entryPoint: ['/x'] }, ['y'], ['/x', 'y']],
  ])('%s', (_name, definition, override, expected) => {
    expect(commandLine(image, definition, override)).toEqual(expected);
  });

  it('an image without entrypoint runs its command', () => {
    expect(commandLine({ Cmd: ['node', 'server.ts'] }, {}, undefined)).toEqual(['node', 'server.ts']);
  });
});

describe('the processes a container runs', () => {
  it('are the leaves under the buildah process, which StopTask signals first', async () => {
    const parent = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const leaves = leafDescendants(parent.pid!);
      expect(leaves).toHaveLength(2);
      expect(leaves).not.toContain(parent.pid);
    } finally {
      for (const pid of leafDescendants(parent.pid!)) process.kill(pid, 'SIGKILL');
      parent.kill('SIGKILL');
    }
  });
});

describe('a container secret, resolved as ECS does', () => {
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-1-AbCdEf';
  const deps = {
    parameter: (name: string) => ({ '/shop/api-key': 'k1', plain: 'p1' })[name],
    secretString: (arn: string) =>
      arn === secretArn ? JSON.stringify({ username: 'app', password: 's3cret' }) : undefined,
  };
  it.each([
    ['an SSM parameter by name', '/shop/api-key', 'k1'],
    ['an SSM parameter by ARN', 'arn:aws:ssm:eu-west-1:111111111111:parameter/shop/api-key', 'k1'],
    [
      'an SSM parameter without a leading slash, by ARN',
      'arn:aws:ssm:eu-west-1:111111111111:parameter/plain',
      'p1',
    ],
    ['a whole secret', secretArn, JSON.stringify({ username: 'app', password: 's3cret' })],
    ['one JSON key of a secret', `${secretArn}:password::`, 's3cret'],
    ['an unknown parameter', '/nope', undefined],
  ])('%s', (_name, valueFrom, expected) => {
    expect(resolveSecret(valueFrom, deps)).toBe(expected);
  });
});
