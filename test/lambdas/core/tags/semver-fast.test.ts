import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import {
  compareSemver,
  compileRange,
  parseSemver,
  satisfiesRange,
} from '../../../../lambdas/core/tags/semver-fast.ts';
import { prereleaseArb } from './tag-arbitraries.ts';

// Strings near the grammar's edges: leading zeros, empty identifiers, huge numbers, build metadata.
const versionishArb = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', 'v', 'V', '='),
      fc.constantFrom('0', '1', '01', '10', '9007199254740991', '9007199254740992', '99999999999999999999'),
      fc.constantFrom('.0', '.2', '.02', '', '.', '.x'),
      fc.constantFrom('.0', '.3', '.03', '', '.', '.3.4'),
      fc.constantFrom(
        '',
        '-',
        '-rc.1',
        '-rc.01',
        '-0',
        '-00',
        '-0a',
        '-alpha..1',
        '-x-y',
        '-1.9007199254740992',
        '-rc_1',
      ),
      fc.constantFrom('', '+', '+build', '+001', '+a.b', '+a..b'),
    )
    .map((parts) => parts.join('')),
  fc.stringMatching(/^v?[0-9.+a-z-]{0,14}$/),
);

const partialArb = fc.oneof(
  fc.nat({ max: 5 }).map(String),
  fc.tuple(fc.nat({ max: 5 }), fc.constantFrom('x', '*', '0', '3')).map(([a, b]) => `${a}.${b}`),
  fc
    .tuple(
      fc.nat({ max: 5 }),
      fc.nat({ max: 5 }),
      fc.nat({ max: 5 }),
      fc.option(prereleaseArb, { nil: undefined }),
    )
    .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`),
);
const comparatorArb = fc
  .tuple(fc.constantFrom('', '=', '<', '>', '<=', '>=', '^', '~', '~>'), partialArb)
  .map(([op, v]) => `${op}${v}`);
const setArb = fc.oneof(
  fc.array(comparatorArb, { minLength: 1, maxLength: 3 }).map((cs) => cs.join(' ')),
  fc.tuple(partialArb, partialArb).map(([a, b]) => `${a} - ${b}`),
  fc.constantFrom('*', '', 'x'),
);
const rangeArb = fc
  .array(setArb, { minLength: 1, maxLength: 3 })
  .map((sets) => sets.join(' || '))
  .filter((r) => semver.validRange(r) !== null);

const versionArb = fc
  .tuple(
    fc.nat({ max: 6 }),
    fc.nat({ max: 6 }),
    fc.nat({ max: 6 }),
    fc.option(prereleaseArb, { nil: undefined }),
  )
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre}` : ''}`);

function fields(v: {
  major: number;
  minor: number;
  patch: number;
  prerelease: readonly (string | number)[];
}) {
  return { major: v.major, minor: v.minor, patch: v.patch, prerelease: [...v.prerelease] };
}

describe('semver-fast agrees with node-semver', () => {
  it('parses exactly what semver.parse parses, to the same fields', () => {
    fc.assert(
      fc.property(versionishArb, (text) => {
        const ours = parseSemver(text);
        const theirs = semver.parse(text);
        expect(ours === undefined ? null : fields(ours)).toEqual(theirs === null ? null : fields(theirs));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['1.2.3', true],
    ['v1.2.3', true],
    ['V1.2.3', false],
    ['1.2', false],
    ['01.2.3', false],
    ['1.2.3-01', false],
    ['1.2.3-0a', true],
    ['1.2.3-rc.1+build.5', true],
    ['9007199254740992.0.0', false],
  ])('%s parses: %s', (text, valid) => {
    expect(parseSemver(text) !== undefined).toBe(valid);
    expect(semver.parse(text) !== null).toBe(valid);
  });

  it('orders as semver.compare does', () => {
    fc.assert(
      fc.property(versionArb, versionArb, (a, b) => {
        expect(Math.sign(compareSemver(parseSemver(a)!, parseSemver(b)!))).toBe(semver.compare(a, b));
      }),
      { numRuns: 1000 },
    );
  });

  it('tests ranges as semver.satisfies does, with and without includePrerelease', () => {
    fc.assert(
      fc.property(
        rangeArb,
        fc.array(versionArb, { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        (range, versions, ip) => {
          const compiled = compileRange(range, ip);
          for (const v of versions) {
            expect([range, v, satisfiesRange(compiled, parseSemver(v)!)]).toEqual([
              range,
              v,
              semver.satisfies(v, range, { includePrerelease: ip }),
            ]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
