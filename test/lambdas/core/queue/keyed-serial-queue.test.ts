import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { KeyedSerialQueue } from '../../../../lambdas/core/queue/keyed-serial-queue.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A process function whose batches finish when the test says so. */
function controlled() {
  const batches: { key: string; items: number[]; finish: () => void; fail: (e: Error) => void }[] = [];
  const process = (key: string, items: number[]) =>
    new Promise<void>((resolve, reject) => batches.push({ key, items, finish: resolve, fail: reject }));
  return { batches, process };
}

describe('KeyedSerialQueue', () => {
  it('runs one batch per key at a time and coalesces what arrives meanwhile into the next batch', async () => {
    const c = controlled();
    const queue = new KeyedSerialQueue<number>({ process: c.process });
    queue.push('a', 1);
    queue.push('a', 2);
    queue.push('a', 3);
    await tick();
    expect(c.batches.map((b) => b.items)).toEqual([[1]]);
    queue.push('a', 4);
    await tick();
    expect(c.batches).toHaveLength(1);
    c.batches[0]!.finish();
    await tick();
    expect(c.batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    c.batches[1]!.finish();
    await queue.idle();
    expect(queue.isIdle).toBe(true);
  });

  it('runs different keys side by side up to the concurrency, the rest in arrival order', async () => {
    const c = controlled();
    const queue = new KeyedSerialQueue<number>({ process: c.process, concurrency: 2 });
    for (const [key, n] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
    ] as const)
      queue.push(key, n);
    await tick();
    expect(c.batches.map((b) => b.key)).toEqual(['a', 'b']);
    expect(queue.stats()).toEqual({ queued: 2, running: 2 });
    c.batches[1]!.finish();
    await tick();
    expect(c.batches.map((b) => b.key)).toEqual(['a', 'b', 'c']);
  });

  it('a failing batch is reported and the key goes on with its next batch', async () => {
    const errors: unknown[] = [];
    const c = controlled();
    const queue = new KeyedSerialQueue<number>({
      process: c.process,
      onError: (_k, _i, e) => errors.push(e),
    });
    queue.push('a', 1);
    await tick();
    queue.push('a', 2);
    c.batches[0]!.fail(new Error('boom'));
    await tick();
    expect(errors).toHaveLength(1);
    expect(c.batches.map((b) => b.items)).toEqual([[1], [2]]);
  });

  test.prop([
    fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.nat(1000)), { maxLength: 60 }),
    fc.integer({ min: 1, max: 3 }),
  ])(
    'every item is processed exactly once, in push order within its key, never two batches of a key at once',
    async (pushes, concurrency) => {
      const seen = new Map<string, number[]>();
      const active = new Set<string>();
      let overlap = false;
      const queue = new KeyedSerialQueue<number>({
        concurrency,
        process: async (key, items) => {
          if (active.has(key)) overlap = true;
          active.add(key);
          await tick();
          seen.set(key, [...(seen.get(key) ?? []), ...items]);
          active.delete(key);
        },
      });
      for (const [i, [key, n]] of pushes.entries()) {
        queue.push(key, n);
        if (i % 7 === 0) await tick();
      }
      await queue.idle();
      expect(overlap).toBe(false);
      for (const key of ['a', 'b', 'c'])
        expect(seen.get(key) ?? []).toEqual(pushes.filter(([k]) => k === key).map(([, n]) => n));
    },
  );
});
