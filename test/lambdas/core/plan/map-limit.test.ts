import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limiter, mapLimit } from '../../../../lambdas/core/plan/map-limit.ts';

/** A task that yields a few times, so tasks overlap, and records how many were in flight. */
function tracked() {
  let running = 0;
  let peak = 0;
  const run = async <T>(value: T, turns: number): Promise<T> => {
    running += 1;
    peak = Math.max(peak, running);
    for (let i = 0; i < turns; i += 1) await Promise.resolve();
    running -= 1;
    return value;
  };
  return { run, peak: () => peak };
}

describe('mapLimit', () => {
  it('gives what Promise.all gives, in order, with at most `limit` calls in flight', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(5), { maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        async (turns, limit) => {
          const t = tracked();
          const results = await mapLimit(turns, limit, (n, i) => t.run(`${i}:${n}`, n));
          expect(results).toEqual(turns.map((n, i) => `${i}:${n}`));
          expect(t.peak()).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('two');
        return n;
      }),
    ).rejects.toThrow('two');
  });
});

describe('limiter', () => {
  it('lets at most `limit` tasks run at once, even when newcomers arrive as a slot frees', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(5), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (turns, limit) => {
          const t = tracked();
          const gate = limiter(limit);
          const first = turns.slice(0, limit + 1).map((n, i) => gate(() => t.run(i, n)));
          // The rest arrive after the first ones have started finishing.
          await Promise.resolve();
          const rest = turns.slice(limit + 1).map((n, i) => gate(() => t.run(i + limit + 1, n)));
          expect(await Promise.all([...first, ...rest])).toEqual(turns.map((_, i) => i));
          expect(t.peak()).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it('frees the slot of a task that fails', async () => {
    const gate = limiter(1);
    await expect(gate(async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await gate(async () => 'next')).toBe('next');
  });
});
