import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileCalverLayout,
  compareCalver,
  readCalver,
  readCalverByRegex,
  type CalverLayout,
} from '../../../../lambdas/core/tags/calver-layout.ts';

function layout(source: string): CalverLayout {
  const compiled = compileCalverLayout(source);
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.layout;
}

const LAYOUTS = [
  'YYYY.0M.0D',
  'YYYY.MM.DD',
  'vYYYY-MM-0D',
  'YYYY.0M.0D-MODIFIER',
  'YYYY.0M.0D.MICRO-MODIFIER',
  'YY.MM.MICRO',
  '0Y.0M',
  'YYYY0M0D',
  'YYYYMMDD',
  'YYYY.MM.MICROMODIFIER',
  'release-YYYY.0M',
  'YYYY.0M.0DMODIFIER',
];

const tagArb = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', 'v', 'release-'),
      fc.constantFrom('2026', '26', '026', '6', '0'),
      fc.constantFrom('', '.', '-'),
      fc.constantFrom('1', '01', '9', '10', '12', '13', '0'),
      fc.constantFrom('', '.', '-'),
      fc.constantFrom('1', '01', '3', '31', '32', '10', ''),
      fc.constantFrom('', '.0', '.7', '.12', '-rc1', '-rc.2', 'rc1', '-', '.x'),
    )
    .map((parts) => parts.join('')),
  fc.stringMatching(/^[v0-9.-]{0,14}$/),
);

describe('readCalver', () => {
  it('the walk reads every tag exactly as the layout regex does', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LAYOUTS), tagArb, (source, tag) => {
        const l = layout(source);
        expect(readCalver(l, tag)).toEqual(readCalverByRegex(l, tag));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['vYYYY-MM-0D', 'v2026-9-01', 'v2026-10-03'],
    ['YYYY.0M.0D-MODIFIER', '2026.02.01-rc1', '2026.02.01'],
    ['YYYY.0M.0D-MODIFIER', '2026.02.01-rc1', '2026.02.01-rc2'],
    ['YYYY.0M.0D-MODIFIER', '2026.02.01-rc9', '2026.02.01-rc10'],
    ['YYYY.0M.MICRO', '2026.02.9', '2026.02.10'],
    ['YYYY.0M.0D', '2025.12.31', '2026.01.01'],
  ])('%s: %s orders below %s', (source, lower, higher) => {
    const l = layout(source);
    expect(compareCalver(readCalver(l, lower)!, readCalver(l, higher)!)).toBeLessThan(0);
  });
});
