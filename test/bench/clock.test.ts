/** The sliding-window peak the burst and the steady workload report against GitHub's limits. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { peakInWindow } from '../../bench/clock.ts';

/** Brute force: for every timestamp, how many fall in the window that starts there. */
const oracle = (times: readonly number[], windowMs: number) =>
  Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));

describe('peakInWindow', () => {
  it('is the most timestamps in any window of that length', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 5_000 }),
        (raw, windowMs) => {
          const times = [...raw].sort((a, b) => a - b);
          expect(peakInWindow(times, windowMs)).toBe(oracle(times, windowMs));
        },
      ),
    );
  });

  it.each([
    [[], 60_000, 0],
    [[0, 59_999], 60_000, 2],
    [[0, 60_000], 60_000, 1],
  ])('%j in %i ms → %i', (times, windowMs, peak) => {
    expect(peakInWindow(times, windowMs)).toBe(peak);
  });
});
