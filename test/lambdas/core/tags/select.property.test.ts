import fc from 'fast-check';
import picomatch from 'picomatch';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../../lambdas/core/config.ts';
import { OCI_TAG } from '../../../../lambdas/core/image/reference.ts';
import {
  compareTags,
  selectTag,
  type SelectionResult,
  type TagCandidate,
} from '../../../../lambdas/core/tags/index.ts';
import { explainSelection } from '../../../../lambdas/core/tags/select.ts';
import { policy } from './policy-fixture.ts';
import {
  anyTagArb,
  calverTagArb,
  candidatesArb,
  listWithCurrentArb,
  reshuffled,
  semverTagArb,
} from './tag-arbitraries.ts';
import { loadPatternEngine } from '../../../../lambdas/core/tags/pattern.ts';

await loadPatternEngine();

const RANGES = [
  '*',
  '^1.2.0',
  '~1.4',
  '>=1.4.0 <2.0.0',
  '1.x || >=3.0.0 <3.5.0',
  '<1.0.0',
  '>0.5.0-rc.1',
  '2 - 4.1',
];

const semverPolicyArb = fc
  .record({
    range: fc.constantFrom(...RANGES),
    prerelease: fc.boolean(),
    allowDowngrade: fc.boolean(),
    ignore: fc.constantFrom([], ['*-debug'], ['latest', '*.0']),
  })
  .map(({ ignore, ...rest }) => policy({ strategy: 'semver', ...rest, tags: { ignore } }));

/** SPEC §4 for semver, spelt out with node-semver and nothing of the implementation. */
function referenceAllows(p: Policy, tag: string): boolean {
  if (!OCI_TAG.test(tag) || /^sha256-|\.(?:sig|att|sbom)$/.test(tag)) return false;
  if (p.tags.ignore.length > 0 && picomatch([...p.tags.ignore], { dot: true })(tag)) return false;
  const version = semver.parse(tag);
  if (version === null || (!p.prerelease && version.prerelease.length > 0)) return false;
  return semver.satisfies(version, p.range, { includePrerelease: p.prerelease });
}

function canonical(result: SelectionResult): unknown {
  return {
    ...result,
    rejected: [...result.rejected].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)),
  };
}

describe('selectTag properties: semver against a reference built on node-semver', () => {
  it('chooses the greatest allowed version, above the current one unless allowDowngrade', () => {
    fc.assert(
      fc.property(semverPolicyArb, listWithCurrentArb(anyTagArb), (p, { list, current }) => {
        const result = selectTag(p, list, current === undefined ? {} : { current });
        const allowed = [...new Set(list.map((c) => c.tag))].filter((t) => referenceAllows(p, t));
        const greatest = allowed.reduce<string | undefined>(
          (best, t) => (best === undefined || semver.compare(t, best) > 0 ? t : best),
          undefined,
        );
        const floor = current !== undefined && OCI_TAG.test(current) ? semver.parse(current) : null;
        let expectChosen = greatest !== undefined;
        if (greatest !== undefined && floor !== null) {
          const order = semver.compare(greatest, floor);
          expectChosen = order > 0 || (order < 0 && p.allowDowngrade);
        }
        expect(result.outcome === 'chosen').toBe(expectChosen);
        if (greatest === undefined) expect(result.outcome).toBe('no-candidate');
        else expect(semver.compare(result.best!, greatest)).toBe(0);
        if (result.chosen) {
          expect(referenceAllows(p, result.chosen.tag)).toBe(true);
          expect(list.some((c) => c.tag === result.chosen!.tag)).toBe(true);
          if (floor !== null && !p.allowDowngrade) expect(semver.gt(result.chosen.tag, floor)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every distinct tag is either chosen or rejected, once', () => {
    fc.assert(
      fc.property(semverPolicyArb, candidatesArb(anyTagArb), (p, list) => {
        const result = selectTag(p, list);
        const seen = [...result.rejected.map((r) => r.tag), ...(result.chosen ? [result.chosen.tag] : [])];
        expect(seen.sort()).toEqual([...new Set(list.map((c) => c.tag))].sort());
        expect(result.considered).toBe(seen.length);
      }),
    );
  });
});

const anyPolicyArb = fc.oneof(
  semverPolicyArb.map((p) => ({ p, tag: anyTagArb })),
  fc.constantFrom('asc', 'desc').map((order) => ({
    p: policy({ strategy: 'numerical', order }),
    tag: fc.oneof(
      fc.nat({ max: 40 }).map(String),
      anyTagArb,
      fc.constantFrom('007', '7', '7.0', '7.50', '7.5'),
    ),
  })),
  fc
    .constantFrom('asc', 'desc')
    .map((order) => ({ p: policy({ strategy: 'alphabetical', order }), tag: anyTagArb })),
  fc.boolean().map((allowDowngrade) => ({
    p: policy({ strategy: 'calver', layout: 'YYYY.0M.0D-MODIFIER', allowDowngrade }),
    tag: fc.oneof(calverTagArb, anyTagArb),
  })),
  fc.constant({
    p: policy({ strategy: 'newest' }),
    tag: fc.oneof(semverTagArb, fc.constantFrom('main', 'dev')),
  }),
  fc.constant({
    p: policy({ strategy: 'semver', tags: { pattern: '^(?<version>\\d+\\.\\d+)(?:-alpine)?$' } }),
    tag: fc.oneof(anyTagArb, fc.constantFrom('1.2', '1.2-alpine', '1.10', '2.0-alpine', '1')),
  }),
);

const scenarioArb = anyPolicyArb.chain(({ p, tag }) =>
  fc
    .record({ p: fc.constant(p), listAndCurrent: listWithCurrentArb(tag), seed: fc.nat() })
    .map(({ listAndCurrent, ...rest }) => ({ ...rest, ...listAndCurrent })),
);

describe('selectTag properties: every strategy', () => {
  it('does not depend on the order of the candidates or on repeated deliveries', () => {
    fc.assert(
      fc.property(scenarioArb, ({ p, list, current, seed }) => {
        const options = current === undefined ? {} : { current };
        const once = selectTag(p, list, options);
        const again = selectTag(p, reshuffled(list, seed), options);
        expect(canonical(again)).toEqual(canonical(once));
      }),
      { numRuns: 300 },
    );
  });

  it('the quick choice is the one judging every tag makes', () => {
    fc.assert(
      fc.property(scenarioArb, ({ p, list, current }) => {
        const options = current === undefined ? {} : { current };
        const quick = selectTag(p, list, options);
        const full = explainSelection(p, list, options);
        const { considered: _c, rejected: _r, ...eager } = full;
        expect({ ...quick }).toEqual({ ...eager, considered: full.considered, rejected: full.rejected });
      }),
      { numRuns: 500 },
    );
  });

  it('the quick choice agrees on lists in ascending, descending and inward-rising order too', () => {
    fc.assert(
      fc.property(scenarioArb, fc.constantFrom('asc', 'desc', 'inwards'), ({ p, list, current }, order) => {
        let sorted = [...list].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
        if (order === 'desc') sorted.reverse();
        if (order === 'inwards') {
          // The quick pass reads both ends inwards; laid out so, it meets the tags in ascending order.
          const out = new Array<(typeof sorted)[number]>(sorted.length);
          sorted.forEach((c, k) => (out[k & 1 ? sorted.length - 1 - (k >> 1) : k >> 1] = c));
          sorted = out;
        }
        const options = current === undefined ? {} : { current };
        expect(canonical({ ...selectTag(p, sorted, options) })).toEqual(
          canonical(explainSelection(p, sorted, options)),
        );
      }),
    );
  });

  it('the chosen tag orders at or above every other allowed tag, and above the current one', () => {
    fc.assert(
      fc.property(scenarioArb, ({ p, list, current }) => {
        const result = selectTag(p, list, current === undefined ? {} : { current });
        const chosen = result.chosen?.tag;
        if (chosen === undefined || p.strategy === 'newest') return;
        for (const r of result.rejected) {
          if (r.reason === 'not-greatest' || r.reason === 'is-current' || r.reason === 'not-above-current') {
            expect(compareTags(p, chosen, r.tag)).toBeGreaterThanOrEqual(0);
          }
        }
        if (current !== undefined && result.currentOrderable && !p.allowDowngrade) {
          expect(compareTags(p, chosen, current)).toBe(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('newest never picks a tag pushed before another allowed one', () => {
    fc.assert(
      fc.property(candidatesArb(fc.constantFrom('a', 'b', 'c', 'd')), (list: TagCandidate[]) => {
        const result = selectTag(policy({ strategy: 'newest' }), list);
        const latest = Math.max(...list.map((c) => c.pushedAt?.getTime() ?? -Infinity));
        if (result.chosen) expect(result.chosen.pushedAt?.getTime()).toBe(latest);
        else expect(latest).toBe(-Infinity);
      }),
    );
  });
});
