import { describe, expect, it } from 'vitest';
import { classifyUpdate, compareTags } from '../../../../lambdas/core/tags/index.ts';
import { DIGEST_A, DIGEST_B, policy } from './policy-fixture.ts';
import { loadPatternEngine } from '../../../../lambdas/core/tags/pattern.ts';

await loadPatternEngine();

describe('classifyUpdate', () => {
  const semver = policy({ prerelease: true });
  it.each([
    ['1.2.3', '1.2.4', 'patch'],
    ['1.2.3', '1.3.0', 'minor'],
    ['1.2.3', '2.0.0', 'major'],
    ['v1.2.3', '1.2.4', 'patch'],
    ['1.9.0', '2.0.0-rc.1', 'major'],
    ['1.2.3', '1.2.4-rc.1', 'patch'],
    ['1.3.0-rc.1', '1.3.0-rc.2', 'prerelease'],
    ['1.3.0-rc.2', '1.3.0', 'prerelease'],
    ['2.0.0', '1.9.0', 'major'],
    ['v1.2.3', '1.2.3', 'other'],
    ['latest', '1.2.3', 'other'],
  ])('semver %s → %s is %s', (from, to, type) => {
    expect(classifyUpdate(semver, from, to)).toBe(type);
  });

  it('the same tag with another digest is a digest update', () => {
    expect(classifyUpdate(semver, '1.2.3', '1.2.3', DIGEST_A, DIGEST_B)).toBe('digest');
    expect(
      classifyUpdate(
        policy({ strategy: 'digest', track: 'main', pin: 'digest' }),
        'main',
        'main',
        DIGEST_A,
        DIGEST_B,
      ),
    ).toBe('digest');
  });

  it('strategies other than semver cannot size a change', () => {
    expect(classifyUpdate(policy({ strategy: 'numerical' }), '1', '2')).toBe('other');
    expect(
      classifyUpdate(policy({ strategy: 'calver', layout: 'YYYY.0M.0D' }), '2026.01.01', '2026.02.01'),
    ).toBe('other');
    expect(classifyUpdate(semver, undefined, '1.0.0')).toBe('other');
  });

  it('reads versions through the pattern', () => {
    const alpine = policy({ tags: { pattern: '^(?<version>\\d+\\.\\d+\\.\\d+)-alpine$' } });
    expect(classifyUpdate(alpine, '1.2.3-alpine', '1.2.4-alpine')).toBe('patch');
  });
});

describe('compareTags', () => {
  it.each([
    [{}, '1.2.3', '1.10.0', -1],
    [{}, 'v1.2.3', '1.2.3', 0],
    [{}, '2.0.0', '2.0.0-rc.1', 1],
    [{ range: '^1.0.0' }, '5.0.0', '1.0.0', 1],
    [{}, 'latest', '1.0.0', undefined],
    [{}, '1.2', '1.2.0', undefined],
    [{}, '1.2.3\nx', '1.0.0', undefined],
    [{ strategy: 'numerical', order: 'desc' }, '3', '10', 1],
    [{ strategy: 'numerical' }, '10', '010', 0],
    [{ strategy: 'alphabetical' }, 'b', 'a', 1],
    [{ strategy: 'calver', layout: 'YYYY.0M.0D-MODIFIER' }, '2026.02.01-rc1', '2026.02.01', -1],
    [{ strategy: 'newest' }, 'a', 'b', undefined],
    [{ strategy: 'digest', track: 'main', pin: 'digest' }, 'main', 'main', undefined],
  ])('%j: %s vs %s is %s', (input, a, b, order) => {
    expect(compareTags(policy(input), a, b)).toBe(order);
  });
});
