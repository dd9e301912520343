import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { formatDuration, renderTable, stripAnsi, visibleWidth } from '../../../src/cli/render/index.ts';

const colors = pc.createColors(true);

describe('renderTable', () => {
  it('aligns every column to its widest cell', () => {
    const table = renderTable(
      ['ENV', 'SHA', 'OUTCOME'],
      [
        ['staging', '1a2b3c4', 'deployed'],
        ['production', 'ffee', 'rolled_back'],
      ],
    );
    expect(table.split('\n')).toEqual([
      'ENV         SHA      OUTCOME',
      'staging     1a2b3c4  deployed',
      'production  ffee     rolled_back',
    ]);
  });

  it('lines up coloured cells as if they had no colour', () => {
    const rows = [
      ['web', colors.green('COMPLETED'), '2/2'],
      ['worker-long-name', colors.red('FAILED'), '0/1'],
    ];
    const coloured = renderTable(['service', 'rollout', 'running'], rows, { color: true });
    const plain = renderTable(
      ['service', 'rollout', 'running'],
      rows.map((row) => row.map(stripAnsi)),
    );
    expect(coloured).not.toBe(plain);
    expect(stripAnsi(coloured)).toBe(plain);
  });

  it('right-aligns the columns asked for', () => {
    const table = renderTable(
      ['step', 'time'],
      [
        ['snapshot', '12s'],
        ['migrate', '1m05s'],
      ],
      {
        align: ['left', 'right'],
      },
    );
    expect(table.split('\n')).toEqual(['step       time', 'snapshot    12s', 'migrate   1m05s']);
  });

  it('bolds headers only with colour', () => {
    expect(renderTable(['A'], [['x']], { color: true }).split('\n')[0]).toBe(colors.bold('A'));
    expect(renderTable(['A'], [['x']])).toBe('A\nx');
  });

  it('pads short rows and leaves no trailing spaces', () => {
    const table = renderTable(['a', 'b', 'c'], [['1'], ['22', '333', '']]);
    for (const line of table.split('\n')) expect(line).toBe(line.trimEnd());
    expect(table.split('\n')[1]).toBe('1');
  });

  it('counts code points, not UTF-16 units, as columns', () => {
    expect(visibleWidth('✔ done')).toBe(6);
    expect(visibleWidth(colors.red('𝑥'))).toBe(1);
  });
});

describe('formatDuration (re-exported for status and history)', () => {
  it('formats milliseconds, seconds and minutes', () => {
    expect([formatDuration(400), formatDuration(12_300), formatDuration(95_000)]).toEqual([
      '400ms',
      '12s',
      '1m35s',
    ]);
  });
});
