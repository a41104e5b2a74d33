import { describe, expect, it } from 'vitest';
import { WriteBudget, WriteBudgetExhaustedError } from '../../../../lambdas/adapters/github/write-budget.ts';

/** A budget on a clock the test moves: sleeping advances it. */
function budget(options: { perMinute: number; perHour: number; maxWaitMs?: number }) {
  let now = 0;
  const slept: number[] = [];
  const b = new WriteBudget({
    ...options,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  const write = () => b.key().schedule({}, () => now);
  return { b, write, slept, at: () => now, advance: (ms: number) => void (now += ms) };
}

describe('WriteBudget: GitHub secondary limits on this instance', () => {
  it('lets a burst up to the minute budget through at once, then spaces the rest by the sliding minute', async () => {
    const { write, slept } = budget({ perMinute: 3, perHour: 100 });
    const times = [];
    for (let i = 0; i < 5; i++) times.push(await write());
    expect(times).toEqual([0, 0, 0, 60_000, 60_000]);
    expect(slept).toEqual([60_000]);
  });

  it('never admits more than the budget in any sliding minute, even across window edges', async () => {
    const { write, advance } = budget({ perMinute: 4, perHour: 1000 });
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      advance(i % 3 === 0 ? 7_000 : 500);
      times.push((await write()) as number);
    }
    for (const t of times)
      expect(times.filter((x) => x >= t && x < t + 60_000).length).toBeLessThanOrEqual(4);
  });

  it('fails at once, sending nothing, when the hourly share is spent for longer than it may wait', async () => {
    const { write, advance } = budget({ perMinute: 10, perHour: 12, maxWaitMs: 60_000 });
    for (let i = 0; i < 12; i++) {
      await write();
      advance(61_000);
    }
    let sent = false;
    const refused = write().then(() => (sent = true));
    await expect(refused).rejects.toBeInstanceOf(WriteBudgetExhaustedError);
    expect(sent).toBe(false);
  });

  it('does not count a re-sent request (weight 0): it was admitted the first time', async () => {
    const { b, slept } = budget({ perMinute: 1, perHour: 10 });
    await b.key().schedule({}, () => undefined);
    await b.key().schedule({ weight: 0 }, () => undefined);
    expect(slept).toEqual([]);
  });

  it('is off with a zero budget', async () => {
    const { write, slept } = budget({ perMinute: 0, perHour: 0 });
    for (let i = 0; i < 200; i++) await write();
    expect(slept).toEqual([]);
  });
});
