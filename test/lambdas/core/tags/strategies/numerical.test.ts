import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimal, readDecimal } from '../../../../../lambdas/core/tags/strategies/numerical.ts';

/** Exact decimal order through BigInt: the value scaled by 10^40. */
function scaled(text: string): bigint {
  const [int, frac = ''] = text.split('.');
  return BigInt(int! + frac.padEnd(40, '0'));
}

const decimalArb = fc.oneof(
  fc.stringMatching(/^[0-9]{1,25}$/),
  fc.stringMatching(/^[0-9]{1,18}\.[0-9]{1,12}$/),
  fc.constantFrom(
    '0',
    '00',
    '0.0',
    '10',
    '010',
    '1.5',
    '1.50',
    '9007199254740993',
    '999999999999999',
    '1000000000000000',
  ),
);

describe('numerical strategy', () => {
  it('orders decimals exactly, however many digits', () => {
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        const expected = scaled(a) < scaled(b) ? -1 : scaled(a) > scaled(b) ? 1 : 0;
        expect(Math.sign(compareDecimal(readDecimal(a)!, readDecimal(b)!))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['', '-1', '+1', '1e3', '0x10', '1.', '.5', '1.2.3', 'Infinity', 'NaN', '١٢', '12a'])(
    '%j is not a number',
    (text) => {
      expect(readDecimal(text)).toBeUndefined();
    },
  );
});
