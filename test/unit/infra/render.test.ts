import { describe, expect, it } from 'vitest';
import { diffResources } from '../../../src/infra/diff.ts';
import type { PreviewReport } from '../../../src/infra/model.ts';
import { renderPreviewMarkdown, renderPreviewText, summaryLine } from '../../../src/infra/render.ts';
import { database, resource, SERVICE } from './fixtures.ts';

function report(): PreviewReport {
  const service = (desiredCount: number) =>
    resource(SERVICE, 'shop-staging-web', { desiredCount, name: 'shop-staging-web' });
  const { changes, summary } = diffResources(
    [service(1), database()],
    [
      service(2),
      database({ engine: 'mysql' }),
      resource('aws:ecs/cluster:Cluster', 'extra', { name: 'extra\x1b[2J' }),
    ],
  );
  return {
    env: 'staging',
    mode: 'offline',
    base: 'HEAD',
    summary,
    changes,
    config: [{ path: 'ferry-stacks:desiredCount', kind: 'update', before: '1', after: '2' }],
    outputs: [],
    notes: [],
  };
}

describe('renderPreviewText', () => {
  it('starts with the summary line, lists dangers before resources, and shows each property change', () => {
    const text = renderPreviewText(report());
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'preview staging (offline, working tree vs HEAD): +1 ~1 -0 (1 to replace, 1 dangerous)',
    );
    expect(text.indexOf('DANGER replaces RDS database shop-staging')).toBeLessThan(
      text.indexOf('Resources:'),
    );
    expect(lines).toContain('± aws:rds/instance:Instance shop-staging REPLACE ✖');
    expect(lines).toContain('    engine: "postgres" → "mysql" (forces replacement)');
    expect(lines).toContain('~ aws:ecs/service:Service shop-staging-web');
    expect(lines).toContain('    desiredCount: 1 → 2');
    expect(lines).toContain('  ferry-stacks:desiredCount: "1" → "2"');
  });

  it('keeps terminal escape codes from the program out of the output', () => {
    expect(renderPreviewText(report(), { verbose: true })).not.toContain('\x1b');
  });

  it('says so when nothing changes', () => {
    const empty: PreviewReport = {
      ...report(),
      changes: [],
      summary: { create: 0, update: 0, replace: 0, delete: 0, same: 3 },
      config: [],
    };
    const text = renderPreviewText(empty);
    expect(text.split('\n')[0]).toMatch(/: \+0 ~0 -0$/);
    expect(text).toContain('No resource changes.');
  });
});

describe('summaryLine', () => {
  it('counts creations, updates and deletions', () => {
    expect(summaryLine({ create: 2, update: 1, replace: 0, delete: 0, same: 9 }, [])).toBe('+2 ~1 -0');
  });
});

describe('renderPreviewMarkdown', () => {
  it('writes the dangers as a list and the changes as a diff block', () => {
    const md = renderPreviewMarkdown(report());
    expect(md).toContain('## ferry preview staging');
    expect(md).toContain('**+1 ~1 -0 (1 to replace, 1 dangerous)**');
    expect(md).toMatch(/- 🛑 \*\*danger\*\*: replaces RDS database shop-staging/);
    expect(md).toContain('```diff\n- ± aws:rds/instance:Instance shop-staging (REPLACE)');
    expect(md).toContain('      desiredCount: 1 → 2');
  });
});
