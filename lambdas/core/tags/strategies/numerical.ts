/**
 * `numerical`: a tag (or its `version` group) that is a non-negative decimal number, `42` or
 * `1.5`. Compared exactly as decimals, so 20-digit build numbers don't collapse through floating
 * point; hex, exponents and signs are not numbers here.
 */
import { skip } from '../skip.ts';
import type { SelectionPolicy } from '../types.ts';
import type { OrderedStrategy } from './types.ts';

/** Integers up to 15 digits as plain numbers (exact, no allocation); anything else as digits. */
export type DecimalKey = number | { readonly int: string; readonly frac: string };

const NOT_A_NUMBER = skip('not-a-version', 'not a number');

export function readDecimal(text: string): DecimalKey | undefined {
  const n = text.length;
  let i = 0;
  let value = 0;
  for (let c = text.charCodeAt(0); c >= 48 && c <= 57; c = text.charCodeAt(++i))
    value = value * 10 + (c - 48);
  if (i === 0) return undefined;
  let intStart = 0;
  while (intStart < i - 1 && text.charCodeAt(intStart) === 48) intStart++;
  if (i === n && i - intStart <= 15) return value;
  let fracEnd = n;
  if (i < n) {
    if (text.charCodeAt(i) !== 46 /* . */ || i === n - 1) return undefined;
    for (let k = i + 1; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c < 48 || c > 57) return undefined;
    }
    while (fracEnd > i + 1 && text.charCodeAt(fracEnd - 1) === 48) fracEnd--;
  }
  const int = text.slice(intStart, i);
  const frac = i < n ? text.slice(i + 1, fracEnd) : '';
  return frac === '' && int.length <= 15 ? value : { int, frac };
}

function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDecimal(a: DecimalKey, b: DecimalKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = typeof a === 'number' ? { int: String(a), frac: '' } : a;
  const y = typeof b === 'number' ? { int: String(b), frac: '' } : b;
  return x.int.length - y.int.length || order(x.int, y.int) || order(x.frac, y.frac);
}

export function numericalStrategy(policy: Pick<SelectionPolicy, 'order'>): OrderedStrategy<DecimalKey> {
  const sign = policy.order === 'desc' ? -1 : 1;
  return {
    read: (version) => readDecimal(version) ?? NOT_A_NUMBER,
    admit: () => undefined,
    compare: (a, b) => sign * compareDecimal(a, b),
  };
}
