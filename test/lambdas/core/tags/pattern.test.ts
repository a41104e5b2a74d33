/**
 * `tags.pattern` on RE2: for patterns both engines accept, the version read from a tag is the one
 * JavaScript's own RegExp captures (RE2, like it, takes the leftmost match, alternatives in order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTagPattern } from '../../../../lambdas/core/tags/pattern.ts';
import { loadPatternEngine } from '../../../../lambdas/core/tags/index.ts';

await loadPatternEngine();

const tagArb = fc
  .tuple(
    fc.constantFrom(...'vma1x_'),
    fc.array(fc.constantFrom(...'0123456789.-abinlpey'), { maxLength: 24 }),
  )
  .map(([first, rest]) => first + rest.join(''));

describe('a tags.pattern with a version group', () => {
  it.each([
    '^v(?<version>\\d+\\.\\d+\\.\\d+)-alpine$',
    '-(?<version>\\d+)$',
    '^main(?:-(?<version>\\d+))?$',
    '(?<version>[0-9]+)',
    '^(?<version>a*)',
    'x|(?<version>y)',
    '(?<first>\\d)(?<version>\\d*)',
    '(?<version>\\d+(?:\\.\\d+)*)(?:-|$)',
  ])('%s reads what a JavaScript RegExp captures', (source) => {
    const pattern = compileTagPattern(source);
    const js = new RegExp(source);
    const sample = [
      'v1.2.3-alpine',
      'main',
      'main-12',
      'main-',
      'y',
      'xy',
      'a1',
      '12-34',
      ...fc.sample(tagArb, { numRuns: 300, seed: 7 }),
    ];
    const expected = (tag: string) => {
      const m = js.exec(tag);
      return m === null ? null : m.groups?.version;
    };
    expect(sample.map((tag) => [tag, pattern.versionOf(tag)])).toEqual(
      sample.map((tag) => [tag, expected(tag)]),
    );
    fc.assert(
      fc.property(tagArb, (tag) => pattern.versionOf(tag) === expected(tag)),
      { numRuns: 300 },
    );
  });
});
