import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSkip } from '../../../../../lambdas/core/tags/skip.ts';
import { semverStrategy, semverText } from '../../../../../lambdas/core/tags/strategies/semver.ts';
import { anyTagArb } from '../tag-arbitraries.ts';

const policyArb = fc.record({
  range: fc.constantFrom(
    '*',
    '^1.2.0',
    '~1.4',
    '>=1.4.0 <2.0.0',
    '1.x || >=3.0.0 <3.5.0',
    '>0.5.0-rc.1',
    '2 - 4.1',
  ),
  prerelease: fc.boolean(),
});

describe('semver strategy: the fast path and the node-semver reference path agree', () => {
  it('on what is a version, what the policy admits, and the order', () => {
    fc.assert(
      fc.property(policyArb, fc.boolean(), anyTagArb, anyTagArb, (p, padPartial, a, b) => {
        const fast = semverStrategy(p, { padPartial });
        const exact = semverStrategy(p, { padPartial, exact: true });
        const [fa, ea, fb, eb] = [fast.read(a, {}), exact.read(a, {}), fast.read(b, {}), exact.read(b, {})];
        expect(isSkip(fa) ? fa : 'version').toEqual(isSkip(ea) ? ea : 'version');
        if (isSkip(fa) || isSkip(ea)) return;
        expect(fast.admit(fa)).toEqual(exact.admit(ea));
        if (isSkip(fb) || isSkip(eb)) return;
        expect(Math.sign(fast.compare(fa, fb))).toBe(Math.sign(exact.compare(ea, eb)));
      }),
      { numRuns: 1000 },
    );
  });

  it('confirms only winners node-semver itself accepts', () => {
    const fast = semverStrategy({ range: '^1.2.0', prerelease: false }, { padPartial: false });
    expect(fast.confirm?.('1.3.0', '1.2.0')).toBe(true);
    expect(fast.confirm?.('1.3.0', undefined)).toBe(true);
    expect(fast.confirm?.('2.0.0', undefined)).toBe(false);
    expect(fast.confirm?.('1.3.0-rc.1', undefined)).toBe(false);
    expect(fast.confirm?.('1.2.0', '1.3.0')).toBe(false);
  });

  it.each([
    ['16', true, '16.0.0'],
    ['16.2', true, '16.2.0'],
    ['v16.2', true, 'v16.2.0'],
    ['16.2.1', true, '16.2.1'],
    ['16.02', true, '16.02'],
    ['16.2', false, '16.2'],
  ])('partial version %s with padPartial %s reads as %s', (text, pad, read) => {
    expect(semverText(text, pad)).toBe(read);
  });
});
