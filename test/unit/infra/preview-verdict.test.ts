import { describe, expect, it } from 'vitest';
import type { DangerLevel, PreviewReport, ResourceChange } from '../../../src/infra/model.ts';
import { previewVerdict } from '../../../src/infra/preview.ts';

const change = (name: string, ...levels: DangerLevel[]): ResourceChange => ({
  op: 'update',
  urn: `urn:pulumi:staging::ferry-stacks::aws:ecs/service:Service::${name}`,
  type: 'aws:ecs/service:Service',
  name,
  properties: [],
  dangers: levels.map((level) => ({ level, code: 'replace', message: `${level} on ${name}` })),
});

const report = (changes: ResourceChange[]): PreviewReport => ({
  env: 'staging',
  mode: 'offline',
  summary: { create: 0, update: changes.length, replace: 0, delete: 0, same: 0 },
  changes,
  config: [],
  outputs: [],
  notes: [],
});

describe('preview verdict', () => {
  it.each([
    ['no changes', [], false, { dangerous: 0, refuse: false }],
    [
      'warnings only',
      [change('a', 'warning'), change('b', 'warning')],
      false,
      { dangerous: 0, refuse: false },
    ],
    [
      'a change with a DANGER among warnings counts once',
      [change('a', 'warning', 'danger', 'danger'), change('b', 'warning')],
      false,
      { dangerous: 1, refuse: true },
    ],
    [
      'two dangerous changes',
      [change('a', 'danger'), change('b', 'danger')],
      false,
      { dangerous: 2, refuse: true },
    ],
    ['DANGER accepted with --allow-danger', [change('a', 'danger')], true, { dangerous: 1, refuse: false }],
  ])('%s', (_, changes, allowDanger, verdict) => {
    expect(previewVerdict(report(changes), allowDanger)).toEqual(verdict);
  });
});
