import { describe, expect, it } from 'vitest';
import { minimumOf, nodeVersionProblem } from '../../../src/cli/node-version.ts';

describe('the Node version check at start-up', () => {
  it.each([
    ['20.20.2', '>=22.18', 'ferry needs Node >= 22.18 (this is 20.20.2)'],
    ['22.17.9', '>=22.18', 'ferry needs Node >= 22.18 (this is 22.17.9)'],
    ['v22.12.0', '>=22.18.0', 'ferry needs Node >= 22.18.0 (this is 22.12.0)'],
    ['22.18.0', '>=22.18', undefined],
    ['22.19.1', '>=22.18', undefined],
    ['24.0.0', '>=22.18', undefined],
    ['23.0.0', '>= 22.18', undefined],
  ])('Node %s against %s', (current, range, expected) => {
    expect(nodeVersionProblem(current, range)).toBe(expected);
  });

  it('does not guess at ranges it cannot read', () => {
    expect(minimumOf('^22 || ^24')).toBeUndefined();
    expect(nodeVersionProblem('10.0.0', '^22 || ^24')).toBeUndefined();
  });
});
