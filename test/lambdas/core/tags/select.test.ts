import { describe, expect, it } from 'vitest';
import { selectTag, type Rejection, type TagCandidate } from '../../../../lambdas/core/tags/index.ts';
import { DIGEST_A, DIGEST_B, DIGEST_C, policy, tags } from './policy-fixture.ts';
import { loadPatternEngine } from '../../../../lambdas/core/tags/pattern.ts';

await loadPatternEngine();

function reasonOf(rejected: readonly Rejection[], tag: string): string | undefined {
  return rejected.find((r) => r.tag === tag)?.reason;
}

describe('selectTag: semver', () => {
  it.each([
    {
      name: 'greatest in the caret range; majors, pre-releases and noise skipped',
      input: { strategy: 'semver', range: '^1.2.0' },
      list: ['1.2.0', '1.3.0', '2.0.0', '1.3.1-rc.1', 'latest', 'sha-4f2a9c1'],
      chosen: '1.3.0',
    },
    {
      name: 'a leading v is tolerated and versions compare numerically',
      input: { strategy: 'semver' },
      list: ['v1.2.3', 'v1.10.0', 'v1.9.9'],
      chosen: 'v1.10.0',
    },
    {
      name: 'the default range "*" takes the greatest release',
      input: {},
      list: ['0.9.0', '10.0.0', '9.99.99', '10.0.0-rc.1'],
      chosen: '10.0.0',
    },
    {
      name: 'pre-releases admitted by a plain range once prerelease is true',
      input: { strategy: 'semver', range: '>=1.4.0 <2.0.0', prerelease: true },
      list: ['1.4.2', '1.5.0-rc.1', '1.5.0-beta.3', '2.0.0'],
      chosen: '1.5.0-rc.1',
    },
    {
      name: 'node-semver: "<2.0.0" admits 2.0.0-rc.1 once pre-releases are on',
      input: { strategy: 'semver', range: '>=1.4.0 <2.0.0', prerelease: true },
      list: ['1.5.0-rc.1', '2.0.0-rc.1'],
      chosen: '2.0.0-rc.1',
    },
    {
      name: '"<2.0.0-0" (or ^1.4.0) keeps 2.0.0 pre-releases out',
      input: { strategy: 'semver', range: '>=1.4.0 <2.0.0-0', prerelease: true },
      list: ['1.5.0-rc.1', '2.0.0-rc.1'],
      chosen: '1.5.0-rc.1',
    },
    {
      name: "caret ranges exclude the next major's pre-releases",
      input: { strategy: 'semver', range: '^1.4.0', prerelease: true },
      list: ['1.5.0-rc.1', '2.0.0-rc.1'],
      chosen: '1.5.0-rc.1',
    },
    {
      name: 'a release sorts above its own release candidates',
      input: { strategy: 'semver', prerelease: true },
      list: ['1.5.0-rc.1', '1.5.0', '1.5.0-rc.2'],
      chosen: '1.5.0',
    },
    {
      name: 'pre-release identifiers compare as node-semver does (numeric, then alphanumeric)',
      input: { strategy: 'semver', prerelease: true },
      list: ['2.0.0-rc.9', '2.0.0-rc.10', '2.0.0-beta.11', '2.0.0-alpha'],
      chosen: '2.0.0-rc.10',
    },
    {
      name: 'tilde range pins the minor',
      input: { strategy: 'semver', range: '~1.4' },
      list: ['1.4.0', '1.4.12', '1.5.0', '1.3.99'],
      chosen: '1.4.12',
    },
    {
      name: 'flavoured images through a version group',
      input: { strategy: 'semver', tags: { pattern: '^(?<version>\\d+\\.\\d+\\.\\d+)-alpine$' } },
      list: ['1.2.3-alpine', '1.2.4-alpine', '1.2.5', '1.3.0-debian', '1.2.10-alpine3.19'],
      chosen: '1.2.4-alpine',
    },
    {
      name: 'partial versions are moving aliases, skipped by default',
      input: { strategy: 'semver' },
      list: ['1', '1.2', '1.2.3', '2'],
      chosen: '1.2.3',
    },
    {
      name: 'partial versions captured by a version group are read as X.Y.0 (postgres style)',
      input: { strategy: 'semver', tags: { pattern: '^(?<version>\\d+\\.\\d+)$' } },
      list: ['15.9', '16.1', '16.2', '16', '16.2-alpine', '16.10'],
      chosen: '16.10',
    },
    {
      name: 'a pattern without a version group filters but compares the whole tag',
      input: { strategy: 'semver', tags: { pattern: '^v' } },
      list: ['v1.0.0', '2.0.0', 'v1.1.0'],
      chosen: 'v1.1.0',
    },
    {
      name: 'ignore globs drop debug builds and named tags',
      input: { strategy: 'semver', prerelease: true, tags: { ignore: ['*-debug', 'latest'] } },
      list: ['1.0.0', '1.1.0-debug', 'latest', '1.0.1-rc.1'],
      chosen: '1.0.1-rc.1',
    },
  ])('$name', ({ input, list, chosen }) => {
    const result = selectTag(policy(input), tags(...list));
    expect(result.outcome).toBe('chosen');
    expect(result.chosen?.tag).toBe(chosen);
  });

  it('says why each tag lost', () => {
    const result = selectTag(
      policy({ range: '^1.2.0' }),
      tags('1.2.0', '1.3.0', '2.0.0', '1.3.1-rc.1', 'latest', '1.2'),
    );
    expect(Object.fromEntries(result.rejected.map((r) => [r.tag, r.reason]))).toEqual({
      '1.2.0': 'not-greatest',
      '2.0.0': 'out-of-range',
      '1.3.1-rc.1': 'prerelease',
      latest: 'not-a-version',
      '1.2': 'not-a-version',
    });
    expect(result.rejected.find((r) => r.tag === '1.2')?.detail).toMatch(/moving alias/);
    expect(result.considered).toBe(6);
  });

  it('reports no candidate, with a summary, when nothing passes', () => {
    const result = selectTag(policy({ range: '^3.0.0' }), tags('latest', '1.0.0', '2.0.0', '3.0.0-rc.1'));
    expect(result).toMatchObject({ outcome: 'no-candidate', considered: 4 });
    expect(result.chosen).toBeUndefined();
    expect(result.reason).toBe('none of 4 tags is allowed (1 not-a-version, 1 prerelease, 2 out-of-range)');
  });

  it('reports no candidate for an empty list', () => {
    expect(selectTag(policy(), [])).toMatchObject({
      outcome: 'no-candidate',
      reason: 'no tags to choose from',
      considered: 0,
    });
  });
});

describe('selectTag: tags that are never candidates', () => {
  const hex = 'f'.repeat(64);
  it.each([
    ['1.2.3\n- evil', 'invalid-oci-tag'],
    ['1.2.3 ', 'invalid-oci-tag'],
    [`9.9.9-${'a'.repeat(123)}`, 'invalid-oci-tag'],
    ['../x', 'invalid-oci-tag'],
    ['9.9.9/../../etc', 'invalid-oci-tag'],
    ['9.9.9-ünicode', 'invalid-oci-tag'],
    ['-9.9.9', 'invalid-oci-tag'],
    ['.9.9.9', 'invalid-oci-tag'],
    ['', 'invalid-oci-tag'],
    ['9.9.9+build.1', 'invalid-oci-tag'],
    [`sha256-${hex}`, 'referrer-tag'],
    [`sha256-${hex}.sig`, 'referrer-tag'],
    [`sha256-${hex}.att`, 'referrer-tag'],
    ['9.9.9.sig', 'referrer-tag'],
    ['9.9.9.att', 'referrer-tag'],
    ['9.9.9.sbom', 'referrer-tag'],
  ])('%j is rejected as %s', (tag, reason) => {
    for (const strategy of ['semver', 'alphabetical'] as const) {
      const result = selectTag(policy({ strategy }), tags('1.0.0', tag));
      expect(result.chosen?.tag).toBe('1.0.0');
      expect(reasonOf(result.rejected, tag)).toBe(reason);
    }
  });

  it('accepts a tag of exactly 128 characters and rejects 129', () => {
    const ok = `9.9.9-${'a'.repeat(122)}`;
    const long = `${ok}a`;
    expect(ok).toHaveLength(128);
    const result = selectTag(policy({ prerelease: true }), tags('1.0.0', ok, long));
    expect(result.chosen?.tag).toBe(ok);
    expect(reasonOf(result.rejected, long)).toBe('invalid-oci-tag');
  });

  it('turns away a megabyte-long tag without running the pattern over it', () => {
    const huge = `1.0.1-${'a'.repeat(1_000_000)}`;
    const started = performance.now();
    const result = selectTag(policy({ tags: { pattern: '^(a+)+$|^(?<version>.*)$' } }), tags('1.0.0', huge));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(reasonOf(result.rejected, huge)).toBe('invalid-oci-tag');
  });

  it('never chooses a candidate whose digest is not a digest', () => {
    const result = selectTag(policy(), [
      { tag: '1.0.0', digest: DIGEST_A },
      { tag: '2.0.0', digest: 'sha256:../../x' },
    ]);
    expect(result.chosen).toMatchObject({ tag: '1.0.0', digest: DIGEST_A });
    expect(reasonOf(result.rejected, '2.0.0')).toBe('invalid-digest');
  });
});

describe('selectTag: calver', () => {
  it.each([
    {
      layout: 'YYYY.0M.0D-MODIFIER',
      list: ['2026.02.01', '2026.02.01-rc1', '2026.01.31', '2025.12.31'],
      chosen: '2026.02.01',
    },
    {
      layout: 'YYYY.0M.0D-MODIFIER',
      list: ['2026.02.01', '2026.02.02-rc1', '2026.02.02-rc2'],
      chosen: '2026.02.02-rc2',
    },
    {
      layout: 'vYYYY-MM-0D',
      list: ['v2026-9-01', 'v2026-10-03', 'v2026-10-3', '2026-11-01'],
      chosen: 'v2026-10-03',
    },
    { layout: 'YYYY.0M.MICRO', list: ['2026.02.9', '2026.02.10', '2026.01.99'], chosen: '2026.02.10' },
    { layout: 'YY.0M.0D', list: ['26.02.01', '25.12.31', '2026.02.02'], chosen: '26.02.01' },
  ])('$layout: $chosen', ({ layout, list, chosen }) => {
    expect(selectTag(policy({ strategy: 'calver', layout }), tags(...list)).chosen?.tag).toBe(chosen);
  });

  it('skips tags outside the layout with a reason naming it', () => {
    const result = selectTag(
      policy({ strategy: 'calver', layout: 'YYYY.0M.0D' }),
      tags('2026.02.01', '2026.2.1', 'latest'),
    );
    expect(result.rejected.find((r) => r.tag === '2026.2.1')).toEqual({
      tag: '2026.2.1',
      reason: 'not-a-version',
      detail: 'does not follow layout YYYY.0M.0D',
    });
  });
});

describe('selectTag: numerical and alphabetical', () => {
  it.each([
    {
      name: 'CI builds main-<sha>-<timestamp> through a version group',
      input: { strategy: 'numerical', tags: { pattern: '^main-[0-9a-f]{7}-(?<version>\\d+)$' } },
      list: [
        'main-4f2a9c1-1767225600',
        'main-9b0e113-1767312000',
        'pr-12-1767399999',
        'main-latest',
        'main-0a1b2c3-1767311999',
      ],
      chosen: 'main-9b0e113-1767312000',
    },
    {
      name: 'numbers, not strings: 10 above 9; non-numbers skipped',
      input: { strategy: 'numerical' },
      list: ['9', '10', '1e3', '0x20', 'latest'],
      chosen: '10',
    },
    {
      name: 'desc: the least wins',
      input: { strategy: 'numerical', order: 'desc' },
      list: ['9', '10', '3'],
      chosen: '3',
    },
    {
      name: 'exact beyond floating point',
      input: { strategy: 'numerical' },
      list: ['12345678901234567890', '12345678901234567891', '9007199254740993'],
      chosen: '12345678901234567891',
    },
    {
      name: 'decimals',
      input: { strategy: 'numerical' },
      list: ['1.5', '1.45', '1.10'],
      chosen: '1.5',
    },
    {
      name: 'alphabetical: zero-padded timestamps in code-point order',
      input: { strategy: 'alphabetical' },
      list: ['20260201T0930', '20260131T2359', '20260201T1000'],
      chosen: '20260201T1000',
    },
    {
      name: 'alphabetical is code-point order, upper case before lower case',
      input: { strategy: 'alphabetical' },
      list: ['a', 'B', 'Z'],
      chosen: 'a',
    },
    {
      name: 'alphabetical desc',
      input: { strategy: 'alphabetical', order: 'desc' },
      list: ['b', 'a', 'c'],
      chosen: 'a',
    },
  ])('$name', ({ input, list, chosen }) => {
    expect(selectTag(policy(input), tags(...list)).chosen?.tag).toBe(chosen);
  });
});

describe('selectTag: newest', () => {
  const at = (iso: string) => new Date(iso);

  it('takes the most recent push and skips tags without a push time', () => {
    const list: TagCandidate[] = [
      { tag: 'main-a', pushedAt: at('2026-02-01T10:00:00Z'), digest: DIGEST_A },
      { tag: 'main-b', pushedAt: at('2026-02-01T12:00:00Z'), digest: DIGEST_B },
      { tag: 'main-c' },
      { tag: 'main-d', pushedAt: new Date(Number.NaN) },
    ];
    const result = selectTag(policy({ strategy: 'newest' }), list);
    expect(result.chosen).toEqual({
      tag: 'main-b',
      digest: DIGEST_B,
      pushedAt: at('2026-02-01T12:00:00Z'),
      updateType: 'other',
    });
    expect(reasonOf(result.rejected, 'main-c')).toBe('no-push-time');
    expect(reasonOf(result.rejected, 'main-d')).toBe('no-push-time');
  });

  it('does not go back to an older push than the current tag', () => {
    const list: TagCandidate[] = [
      { tag: 'main-a', pushedAt: at('2026-02-01T10:00:00Z') },
      { tag: 'main-b', pushedAt: at('2026-02-01T12:00:00Z') },
    ];
    const result = selectTag(policy({ strategy: 'newest' }), list, { current: 'main-b' });
    expect(result).toMatchObject({ outcome: 'up-to-date', current: 'main-b', currentOrderable: true });
    const late = selectTag(policy({ strategy: 'newest' }), [list[0]!], {
      current: 'main-b',
      currentPushedAt: at('2026-02-01T12:00:00Z'),
    });
    expect(late.outcome).toBe('up-to-date');
    expect(reasonOf(late.rejected, 'main-a')).toBe('not-above-current');
  });
});

describe('selectTag: digest', () => {
  const digestPolicy = policy({ strategy: 'digest', track: 'main', pin: 'tag+digest' });

  it('follows the tracked tag to its new digest', () => {
    const result = selectTag(
      digestPolicy,
      [
        { tag: 'main', digest: DIGEST_B },
        { tag: '1.0.0', digest: DIGEST_C },
      ],
      {
        current: 'main',
        currentDigest: DIGEST_A,
      },
    );
    expect(result.chosen).toEqual({ tag: 'main', digest: DIGEST_B, updateType: 'digest' });
    expect(reasonOf(result.rejected, '1.0.0')).toBe('not-tracked');
  });

  it('is up to date when the digest did not move', () => {
    const result = selectTag(digestPolicy, [{ tag: 'main', digest: DIGEST_A }], {
      current: 'main',
      currentDigest: DIGEST_A,
    });
    expect(result).toMatchObject({ outcome: 'up-to-date' });
    expect(result.chosen).toBeUndefined();
  });

  it('ignores a late event for a push older than the current digest', () => {
    const result = selectTag(
      digestPolicy,
      [{ tag: 'main', digest: DIGEST_B, pushedAt: new Date('2026-01-01T00:00:00Z') }],
      {
        current: 'main',
        currentDigest: DIGEST_A,
        currentPushedAt: new Date('2026-01-02T00:00:00Z'),
      },
    );
    expect(result.outcome).toBe('up-to-date');
    expect(reasonOf(result.rejected, 'main')).toBe('not-above-current');
  });

  it('has no candidate without the tracked tag or its digest', () => {
    expect(selectTag(digestPolicy, [{ tag: 'dev', digest: DIGEST_A }]).outcome).toBe('no-candidate');
    const noDigest = selectTag(digestPolicy, tags('main'));
    expect(noDigest.outcome).toBe('no-candidate');
    expect(reasonOf(noDigest.rejected, 'main')).toBe('no-digest');
  });

  it('pins a digest for the first time, and switches a repository onto the tracked tag', () => {
    expect(
      selectTag(digestPolicy, [{ tag: 'main', digest: DIGEST_A }], { current: 'main' }).chosen?.updateType,
    ).toBe('digest');
    expect(
      selectTag(digestPolicy, [{ tag: 'main', digest: DIGEST_A }], { current: '1.0.0' }).chosen?.updateType,
    ).toBe('other');
  });
});

describe('selectTag: never downgrade', () => {
  it('is up to date when the current tag is the greatest allowed', () => {
    const result = selectTag(policy({ range: '^1.0.0' }), tags('1.0.0', '1.1.0', '2.0.0'), {
      current: '1.1.0',
    });
    expect(result).toMatchObject({
      outcome: 'up-to-date',
      best: '1.1.0',
      reason: '1.1.0 is already the greatest allowed tag',
    });
    expect(reasonOf(result.rejected, '1.1.0')).toBe('is-current');
    expect(reasonOf(result.rejected, '1.0.0')).toBe('not-above-current');
  });

  it('does not move back when the current tag is above everything listed', () => {
    const result = selectTag(policy({ range: '^1.0.0' }), tags('1.0.0', '1.1.0'), { current: '1.5.0' });
    expect(result).toMatchObject({
      outcome: 'up-to-date',
      best: '1.1.0',
      reason:
        '1.5.0 orders above every allowed tag (the greatest is 1.1.0); image-updater does not downgrade without allowDowngrade',
    });
  });

  it('keeps a current tag outside the range as the floor', () => {
    const result = selectTag(policy({ range: '^1.0.0' }), tags('1.9.0'), { current: '2.0.0' });
    expect(result.outcome).toBe('up-to-date');
  });

  it('moves down only with allowDowngrade, and then to the greatest allowed tag', () => {
    const result = selectTag(
      policy({ range: '^1.0.0', allowDowngrade: true }),
      tags('1.0.0', '1.1.0', '2.0.0'),
      {
        current: '2.0.0',
      },
    );
    expect(result.chosen).toEqual({ tag: '1.1.0', updateType: 'major' });
    expect(result.reason).toBe('1.1.0: the greatest allowed tag, below 2.0.0 (allowDowngrade)');
  });

  it('replaces a current tag the policy cannot order, as an update that never auto-merges below "all"', () => {
    const result = selectTag(policy({ range: '^1.0.0' }), tags('1.0.0', '1.1.0', 'latest'), {
      current: 'latest',
    });
    expect(result).toMatchObject({
      outcome: 'chosen',
      currentOrderable: false,
      chosen: { tag: '1.1.0', updateType: 'other' },
    });
    expect(result.reason).toMatch(/latest is not a version this policy orders/);
  });

  it('orders the current tag through the pattern, so a flavour change is not a floor', () => {
    const input = { tags: { pattern: '^(?<version>\\d+\\.\\d+\\.\\d+)-alpine$' } };
    expect(selectTag(policy(input), tags('1.2.4-alpine'), { current: '1.2.5-alpine' }).outcome).toBe(
      'up-to-date',
    );
    expect(selectTag(policy(input), tags('1.2.4-alpine'), { current: '1.2.5' })).toMatchObject({
      outcome: 'chosen',
      currentOrderable: false,
    });
  });

  it.each([
    { current: 'v1.2.2', chosen: 'v1.2.3' },
    { current: '1.2.2', chosen: '1.2.3' },
    { current: undefined, chosen: 'v1.2.3' },
  ])('with v1.2.3 and 1.2.3 both pushed and current $current, writes $chosen', ({ current, chosen }) => {
    for (const list of [tags('v1.2.3', '1.2.3'), tags('1.2.3', 'v1.2.3')]) {
      const result = selectTag(policy(), list, current === undefined ? {} : { current });
      expect(result.chosen?.tag).toBe(chosen);
    }
  });

  it('does not swap the current tag for another spelling of the same version', () => {
    const result = selectTag(policy(), tags('1.2.3'), { current: 'v1.2.3' });
    expect(result.outcome).toBe('up-to-date');
    expect(reasonOf(result.rejected, '1.2.3')).toBe('is-current');
  });

  it('classifies the step from the current tag', () => {
    const select = (current: string, next: string) =>
      selectTag(policy({ prerelease: true }), tags(next), { current }).chosen?.updateType;
    expect(select('1.2.3', '1.2.4')).toBe('patch');
    expect(select('1.2.3', '1.3.0')).toBe('minor');
    expect(select('1.2.3', '2.0.0')).toBe('major');
    expect(select('1.3.0-rc.1', '1.3.0')).toBe('prerelease');
  });
});

describe('selectTag: duplicates', () => {
  it('merges one tag listed twice: the later push, and its digest, wins', () => {
    const older = { tag: '1.0.0', digest: DIGEST_A, pushedAt: new Date('2026-01-01T00:00:00Z') };
    const newer = { tag: '1.0.0', digest: DIGEST_B, pushedAt: new Date('2026-01-02T00:00:00Z') };
    for (const list of [
      [older, newer],
      [newer, older],
    ]) {
      const result = selectTag(policy(), list);
      expect(result.chosen).toMatchObject({ tag: '1.0.0', digest: DIGEST_B });
      expect(result.considered).toBe(1);
      expect(result.rejected).toEqual([]);
    }
  });

  it('prefers the entry with a digest when push times agree', () => {
    const bare = { tag: '1.0.0' };
    const withDigest = { tag: '1.0.0', digest: DIGEST_A };
    expect(selectTag(policy(), [bare, withDigest]).chosen?.digest).toBe(DIGEST_A);
    expect(selectTag(policy(), [withDigest, bare]).chosen?.digest).toBe(DIGEST_A);
  });
});
