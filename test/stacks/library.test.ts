// `ferry/stacks` as a package export: what it offers, and that it loads nothing but Pulumi.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as stacks from '../../src/stacks/index.ts';

const DIR = fileURLToPath(new URL('../../src/stacks/', import.meta.url));

describe('ferry/stacks', () => {
  it('exports the environment and each component a program may compose itself', () => {
    for (const name of [
      'FerryEnvironment',
      'environmentArgsFromConfig',
      'Network',
      'Firewall',
      'Registry',
      'Database',
      'LoadBalancer',
      'Service',
      'DeployAccess',
      'PromoteSourceAccess',
      'Descriptor',
      'buildDescriptor',
      'descriptorParameterName',
    ]) {
      expect(stacks, name).toHaveProperty(name);
    }
  });

  it('imports only @pulumi/* and its own files at run time (a stack program needs nothing else installed)', () => {
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(`${DIR}${file}`, 'utf8');
      const runtime = [...source.matchAll(/^(?:import|export) (?!type )[^;]*? from '([^']+)'/gm)].map(
        (m) => m[1],
      );
      // The one name rule and the ECS deployment settings ferry checks: modules without imports of their own.
      for (const specifier of runtime)
        expect(specifier, `${file}: ${specifier}`).toMatch(
          /^(@pulumi\/|\.\/|\.\.\/config\/(name-rule|ecs-deployment)\.ts$)/,
        );
    }
    for (const shared of ['name-rule.ts', 'ecs-deployment.ts']) {
      const source = readFileSync(new URL(`../../src/config/${shared}`, import.meta.url), 'utf8');
      expect(source, shared).not.toMatch(/^import (?!type )/m);
    }
  });
});
