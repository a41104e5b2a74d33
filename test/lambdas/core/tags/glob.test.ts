/**
 * `tags.ignore` globs on two engines (the JavaScript one for simple globs, RE2 for the rest):
 * whichever runs, a tag is ignored exactly when picomatch (`dot: true`), the documented
 * semantics, says the glob matches it.
 */
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { OCI_TAG } from '../../../../lambdas/core/image/reference.ts';
import { checkIgnoreGlob, compileIgnoreGlob } from '../../../../lambdas/core/tags/glob.ts';
import { InvalidSelectionPolicyError, loadPatternEngine } from '../../../../lambdas/core/tags/index.ts';

await loadPatternEngine();

const reference = (glob: string) => {
  const matcher = picomatch(glob, { dot: true });
  // Not passed on as is: picomatch's second argument asks for a result object.
  return (tag: string) => matcher(tag);
};

/** OCI tags (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`) over the characters the globs below use. */
const FIRST = [...'abvdelt019_ABsx'];
const REST = [...FIRST, ...'.-.-.-grcig'];
const ociTagArb = fc
  .tuple(fc.constantFrom(...FIRST), fc.array(fc.constantFrom(...REST), { maxLength: 20 }))
  .map(([first, rest]) => first + rest.join(''));
const CRAFTED = [
  'latest',
  'Latest',
  '1.2.3-debug',
  '1.2.3-debugger',
  'a.sig',
  'v1.2.3',
  'v1.2.34',
  'v1.x.y',
  'dev-1',
  'test-',
  'tester-1',
  '0abc',
  'ab',
  'ba',
  'a-rc1',
  '1.0.0-rc',
  '_',
  // Long enough to tell the engines apart; picomatch, the reference, backtracks on longer ones.
  'a'.repeat(24),
  `${'a'.repeat(23)}b`,
  'sha-abc',
];
const SAMPLE = [...CRAFTED, ...fc.sample(ociTagArb, { numRuns: 400, seed: 42 })];

const GLOBS = [
  '*-debug',
  'latest',
  '*.sig',
  'v1.?.*',
  '[0-9]*',
  '{dev,test}-*',
  '*a*b*',
  '*-rc*',
  '**',
  '*',
  'sha-*',
  '!latest',
  '!*a*b*',
  '[!a]*',
  '*.{sig,att}',
  'v{1..3}.*.*',
  '[[:digit:]]*.*',
  '*a*a*a*a*a*b',
];

describe('a tags.ignore glob', () => {
  it.each(GLOBS)('%s ignores exactly the tags picomatch matches', (glob) => {
    const ignored = compileIgnoreGlob(glob);
    const expected = SAMPLE.filter(reference(glob));
    expect(SAMPLE.filter(ignored)).toEqual(expected);
    // Neither everything nor nothing (but `*` and `**`): the sample tells the engines apart.
    if (!glob.startsWith('*') || glob.length > 2) expect(expected.length).toBeGreaterThan(0);
  });

  it.each(GLOBS)('%s agrees with picomatch on generated OCI tags', (glob) => {
    const ignored = compileIgnoreGlob(glob);
    const expected = reference(glob);
    fc.assert(
      fc.property(ociTagArb, (tag) => ignored(tag) === expected(tag)),
      { numRuns: 300 },
    );
  });

  /** Globs built from every piece picomatch gives a meaning to, that a tag could match. */
  const pieceArb = fc.oneof(
    fc.constantFrom('a', 'b', '1', '.', '-', '_', 'v1', 'rc'),
    fc.constantFrom(
      '*',
      '*',
      '?',
      '**',
      '[0-9]',
      '[!a]',
      '[a-c]',
      '{a,b}',
      '{1..3}',
      '{rc,-}',
      '[[:alpha:]]',
    ),
    fc.constantFrom('{a.,b}', '{.a,b*}', '(a|b)', '{a,*}', '{a,b}.'),
  );
  const globArb = fc
    .tuple(fc.boolean(), fc.array(pieceArb, { minLength: 1, maxLength: 6 }))
    .map(([negated, pieces]) => `${negated ? '!' : ''}${pieces.join('')}`);

  it('of any shape agrees with picomatch on OCI tags (or is refused when the config loads)', () => {
    let refused = 0;
    fc.assert(
      fc.property(globArb, fc.array(ociTagArb, { minLength: 1, maxLength: 20 }), (glob, tags) => {
        if (checkIgnoreGlob(glob) !== undefined) return void refused++;
        const ignored = compileIgnoreGlob(glob);
        const expected = reference(glob);
        for (const tag of tags) {
          expect(OCI_TAG.test(tag)).toBe(true);
          expect([glob, tag, ignored(tag)]).toEqual([glob, tag, expected(tag)]);
        }
      }),
      { numRuns: 500 },
    );
    expect(refused).toBeLessThan(100);
  });

  it.each([
    [
      '+(a|aa)',
      'extglob "+(…)" at character 1 is not supported; list the alternatives in braces, e.g. {a,b}',
    ],
    ['v*(1)', 'extglob "*(…)" at character 2 is not supported; list the alternatives in braces, e.g. {a,b}'],
    [
      '!(latest)',
      'extglob "!(…)" at character 1 is not supported; list the alternatives in braces, e.g. {a,b}',
    ],
    [
      '@(a|b)-*',
      'extglob "@(…)" at character 1 is not supported; list the alternatives in braces, e.g. {a,b}',
    ],
    ['x?(y)', 'extglob "?(…)" at character 2 is not supported; list the alternatives in braces, e.g. {a,b}'],
    [
      '(?!x)y',
      'becomes a regular expression with a negative lookahead "(?!", which the linear-time engine (RE2) cannot run',
    ],
    [
      '(?<=x)y*',
      'becomes a regular expression with a lookbehind "(?<=", which the linear-time engine (RE2) cannot run',
    ],
    ['[z-a]*', 'not a valid glob: Range out of order in character class'],
    [
      '{v1.*,v2}',
      'a "*" right after a "." inside braces or parentheses never matches an empty or "." rest of the tag, which the linear-time engine (RE2) cannot check; list the alternatives as separate globs (e.g. "v1.*" and "v2" for "{v1.*,v2}")',
    ],
  ])('%s is refused: %s', (glob, problem) => {
    expect(checkIgnoreGlob(glob)).toBe(problem);
    expect(() => compileIgnoreGlob(glob)).toThrow(InvalidSelectionPolicyError);
  });

  it.each(['*-debug', '**', '{dev,test}-*', '*a*b*', '\\+(a)', '[0-9]*'])('%s is accepted', (glob) => {
    expect(checkIgnoreGlob(glob)).toBeUndefined();
  });
});
