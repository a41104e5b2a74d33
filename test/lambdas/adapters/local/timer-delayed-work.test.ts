import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerDelayedWork } from '../../../../lambdas/adapters/local/timer-delayed-work.ts';
import type { PushedImage } from '../../../../lambdas/core/push.ts';
import type { QueuedMessage } from '../../../../lambdas/ports/push-queue.ts';
import { recordingLog } from '../../../support/handlers.ts';

const push = (tag: string): PushedImage => ({
  image: 'registry.example/shop/api',
  tag,
  digest: `sha256:${'a'.repeat(64)}`,
  pushedAt: new Date('2026-12-07T12:00:00Z'),
});

describe("serve's delayed work: timers that put a held push back on the queue", () => {
  let queued: QueuedMessage[];
  const queue = { enqueue: async (m: readonly QueuedMessage[]) => void queued.push(...m) };
  beforeEach(() => {
    queued = [];
    vi.useFakeTimers({ now: new Date('2026-12-07T12:00:00Z') });
  });
  afterEach(() => vi.useRealTimers());

  it('queues the push, with its own push time, exactly when it is due, and once for duplicates', async () => {
    const work = new TimerDelayedWork({ queue, log: recordingLog() });
    const due = new Date('2026-12-07T12:00:02Z');
    await work.scheduleAt(due, push('1.0.1'));
    await work.scheduleAt(due, push('1.0.1'));
    expect(work.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(queued).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(queued).toEqual([{ push: push('1.0.1'), source: 'release-age' }]);
    expect(work.pending).toBe(0);
  });

  it('promote.after: queues one promotion-due event per repository and due time, when due', async () => {
    const work = new TimerDelayedWork({ queue, log: recordingLog() });
    const due = new Date('2026-12-07T12:00:03Z');
    await work.scheduleRepoRun(due, 'acme/gitops');
    await work.scheduleRepoRun(due, 'acme/gitops');
    await work.scheduleRepoRun(due, 'acme/other');
    expect(work.pending).toBe(2);
    await vi.advanceTimersByTimeAsync(2999);
    expect(queued).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(queued).toMatchObject([
      { event: { type: 'promotion-due', repo: 'acme/gitops' }, source: 'scheduler' },
      { event: { type: 'promotion-due', repo: 'acme/other' }, source: 'scheduler' },
    ]);
  });

  it("a newer push does not move an older one's wake-up", async () => {
    const work = new TimerDelayedWork({ queue, log: recordingLog() });
    await work.scheduleAt(new Date('2026-12-07T12:00:05Z'), push('1.0.1'));
    await work.scheduleAt(new Date('2026-12-07T12:00:09Z'), push('1.0.2'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(queued.map((m) => ('push' in m ? m.push.tag : ''))).toEqual(['1.0.1']);
    await vi.advanceTimersByTimeAsync(4000);
    expect(queued.map((m) => ('push' in m ? m.push.tag : ''))).toEqual(['1.0.1', '1.0.2']);
  });

  it('waits longer than one timer can (90 days) in steps, and fires at the due time', async () => {
    const work = new TimerDelayedWork({ queue, log: recordingLog() });
    const due = new Date(Date.now() + 90 * 86_400_000);
    await work.scheduleAt(due, push('2.0.0'));
    await vi.advanceTimersByTimeAsync(90 * 86_400_000 - 1);
    expect(queued).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(queued).toHaveLength(1);
  });

  it('refuses beyond its bound, with a stable code, and takes the push again once one fired', async () => {
    const work = new TimerDelayedWork({ queue, log: recordingLog(), maxPending: 2 });
    await work.scheduleAt(new Date(Date.now() + 1000), push('1.0.1'));
    await work.scheduleAt(new Date(Date.now() + 2000), push('1.0.2'));
    await expect(work.scheduleAt(new Date(Date.now() + 3000), push('1.0.3'))).rejects.toMatchObject({
      code: 'TOO_MANY_TIMERS',
    });
    await vi.advanceTimersByTimeAsync(1000);
    await work.scheduleAt(new Date(Date.now() + 3000), push('1.0.3'));
    expect(work.pending).toBe(2);
  });

  it('close clears every timer and hands each held push back in the log: nothing is queued after a shutdown', async () => {
    const log = recordingLog();
    const work = new TimerDelayedWork({ queue, log });
    await work.scheduleAt(new Date(Date.now() + 1000), push('1.0.1'));
    work.close();
    await work.scheduleAt(new Date(Date.now() + 1000), push('1.0.2'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(queued).toEqual([]);
    expect(work.pending).toBe(0);
    expect(log.entries.map((e) => [e.level, e.message, e.attributes.tag, e.attributes.due])).toEqual([
      ['warn', 'held push handed back: serve stopped before it was due', '1.0.1', '2026-12-07T12:00:01.000Z'],
    ]);
  });
});
