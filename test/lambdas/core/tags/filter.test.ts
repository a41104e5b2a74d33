import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OCI_TAG } from '../../../../lambdas/core/image/reference.ts';
import {
  compileTagFilter,
  isOciTag,
  isReferrerTag,
  screenTag,
} from '../../../../lambdas/core/tags/filter.ts';
import { InvalidSelectionPolicyError, loadPatternEngine } from '../../../../lambdas/core/tags/index.ts';

await loadPatternEngine();

describe('referrer tags', () => {
  const hex = '0123456789abcdef'.repeat(4);
  it.each([
    [`sha256-${hex}`, true],
    [`sha256-${hex}.sig`, true],
    [`sha256-${hex}.att`, true],
    [`sha256-${hex}.sbom`, true],
    ['v1.2.3.sig', true],
    ['1.2.3', false],
    ['signed', false],
    ['1.2.3-sig', false],
    ['sha-4f2a9c1', false],
    ['latest', false],
  ])('%s: %s', (tag, referrer) => {
    expect(isReferrerTag(tag)).toBe(referrer);
    expect(screenTag(tag)?.skip).toBe(referrer ? 'referrer-tag' : undefined);
  });
});

describe('OCI tag grammar', () => {
  it('the scanner accepts exactly what OCI_TAG accepts', () => {
    const near = fc.stringMatching(/^[A-Za-z0-9_.\-+/: é\n]{0,130}$/);
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 140 })), (tag) => {
        expect(isOciTag(tag)).toBe(OCI_TAG.test(tag));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('tags.pattern', () => {
  it.each([
    ['^(?<version>\\d+\\.\\d+\\.\\d+)-alpine$', '1.2.3-alpine', '1.2.3'],
    ['^(build)-(?<version>\\d+)$', 'build-42', '42'],
    ['^(?:x|y)-(a)?(?<version>\\d+)$', 'x-7', '7'],
    ['^[(]?(\\()?(?<version>\\d+)\\)?$', '12', '12'],
    ['^[\\](]?(?<pre>[a-z]*)-?(?<version>\\d+)$', 'rc-3', '3'],
    ['^(?<version>\\d+(\\.\\d+)*)$', '1.2.3', '1.2.3'],
    ['(?P<version>v\\d+)', 'v9', 'v9'],
    ['^(?P<flavour>[a-z]+)-(?P<version>\\d+)$', 'alpine-3', '3'],
    ['(?i)^V(?<version>\\d+)$', 'v4', '4'],
  ])('%s reads %s as %s', (pattern, tag, version) => {
    const filter = compileTagFilter({ tags: { pattern, ignore: [] } });
    expect(filter.versionGroup).toBe(true);
    expect(filter.versionOf(tag)).toBe(version);
  });

  it('a pattern without a version group compares the whole tag', () => {
    const filter = compileTagFilter({ tags: { pattern: '-alpine$', ignore: [] } });
    expect(filter.versionOf('1.2.3-alpine')).toBe('1.2.3-alpine');
    expect(filter.versionOf('1.2.3')).toEqual({ skip: 'pattern-mismatch' });
  });

  it('a version group that captured nothing is a mismatch', () => {
    const filter = compileTagFilter({ tags: { pattern: '^main(?:-(?<version>\\d+))?$', ignore: [] } });
    expect(filter.versionOf('main')).toMatchObject({ skip: 'pattern-mismatch' });
  });

  it.each(['(', '(?=1)', '(a)\\1', '\\u0041'])(
    'a policy that skipped the schema with %s (broken, or not RE2) is a typed error',
    (pattern) => {
      expect(() => compileTagFilter({ tags: { pattern, ignore: [] } })).toThrow(InvalidSelectionPolicyError);
    },
  );

  it.each([
    ['a tag outside the grammar', 'v1!', 'invalid-oci-tag'],
    ['a 129-character tag', `v${'1'.repeat(128)}`, 'invalid-oci-tag'],
    ['a tag the pattern does not match', 'x1', 'pattern-mismatch'],
  ])('%s is turned away before or by the pattern', (_, tag, reason) => {
    const filter = compileTagFilter({ tags: { pattern: '^v(?<version>.*)$', ignore: [] } });
    expect(filter.versionOf(tag)).toEqual({ skip: reason });
  });
});

describe('tags.ignore', () => {
  it.each([
    [['*-debug'], '1.2.3-debug', true],
    [['*-debug'], '1.2.3-debugger', false],
    [['latest'], 'latest', true],
    [['latest'], 'Latest', false],
    [['v1.*', 'nightly-*'], 'nightly-2026', true],
    [['*'], 'anything', true],
    [['{rc,beta}-*'], 'beta-1', true],
  ])('%j ignores %s: %s', (ignore, tag, ignored) => {
    expect(compileTagFilter({ tags: { ignore } }).ignored(tag)).toBe(ignored);
  });
});
