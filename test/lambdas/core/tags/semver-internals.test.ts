/**
 * A canary for the node-semver internals the fast path (`semver-fast.ts`) relies on. They are
 * not node-semver's documented API: the `Comparator` objects in `Range#set` (their `operator`,
 * their `semver`, and the `Comparator.ANY` symbol that stands for "any version"), the fields of
 * `SemVer`, and the strict `FULL` grammar and `MAX_LENGTH` that `parseSemver` re-implements.
 * package.json allows any semver release from 7.8.6 on; when one changes any of these, this
 * file fails by name, before the property tests have to find a disagreement by chance. Then
 * update `semver-fast.ts` (or pin semver) and the expectations here together.
 */
import { createRequire } from 'node:module';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { compileRange } from '../../../../lambdas/core/tags/semver-fast.ts';

const require = createRequire(import.meta.url);
const internalRe = require('semver/internal/re') as { src: string[]; t: Record<string, number> };
const constants = require('semver/internal/constants') as { MAX_LENGTH: number };

describe('node-semver internals the fast path reads', () => {
  it('parses with the strict grammar parseSemver scans for', () => {
    expect(internalRe.src[internalRe.t.FULL!]).toBe(
      String.raw`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:\d*[a-zA-Z-][a-zA-Z0-9-]*|0|[1-9]\d*)(?:\.(?:\d*[a-zA-Z-][a-zA-Z0-9-]*|0|[1-9]\d*))*))?(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))?$`,
    );
    expect(constants.MAX_LENGTH).toBe(256);
  });

  it('desugars a range into sets of Comparators holding an operator and a SemVer', () => {
    const range = new semver.Range('^1.2.3 || ~2.0.1-rc.1');
    expect(range.set.map((set) => set.map((c) => [c.operator, (c.semver as semver.SemVer).version]))).toEqual(
      [
        [
          ['>=', '1.2.3'],
          ['<', '2.0.0-0'],
        ],
        [
          ['>=', '2.0.1-rc.1'],
          ['<', '2.1.0-0'],
        ],
      ],
    );
    for (const c of range.set.flat()) expect(c.semver).toBeInstanceOf(semver.SemVer);
  });

  it('marks "any version" with the Comparator.ANY symbol in place of a SemVer', () => {
    const any = (semver.Comparator as unknown as { ANY: unknown }).ANY;
    expect(typeof any).toBe('symbol');
    for (const text of ['*', '', 'x', '>=0.0.0 || *']) {
      const comparators = new semver.Range(text).set.flat();
      expect(comparators.some((c) => (c.semver as unknown) === any)).toBe(true);
      expect(
        comparators.every((c) => (c.semver as unknown) === any || c.semver instanceof semver.SemVer),
      ).toBe(true);
    }
    expect(compileRange('*', false).sets).toEqual([[{ op: '', version: undefined }]]);
  });

  it('uses only the operators the fast path knows', () => {
    const ranges = [
      '1.2.3',
      '=1.2.3',
      '>1',
      '<1.2',
      '>=1.2.3-rc.1',
      '<=2',
      '1.2.3 - 2.3.4',
      '1.x',
      '~1',
      '^0.0.3',
    ];
    const operators = new Set(ranges.flatMap((r) => new semver.Range(r).set.flat().map((c) => c.operator)));
    for (const op of operators) expect(['', '=', '<', '>', '<=', '>=']).toContain(op);
  });

  it('gives SemVer the fields a SemverKey copies, pre-release numbers as numbers', () => {
    const v = new semver.SemVer('1.2.3-rc.10.x');
    expect({ major: v.major, minor: v.minor, patch: v.patch, prerelease: v.prerelease }).toEqual({
      major: 1,
      minor: 2,
      patch: 3,
      prerelease: ['rc', 10, 'x'],
    });
    // Typed for strings; the fast path hands it the numbers SemVer keeps, as SemVer does.
    const compareIdentifiers = semver.compareIdentifiers as (
      a: string | number,
      b: string | number,
    ) => number;
    expect(compareIdentifiers(2, 10)).toBe(-1);
    expect(compareIdentifiers(10, 'a')).toBe(-1);
  });
});
