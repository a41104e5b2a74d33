import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLog } from '../../../../lambdas/adapters/local/memory-delivery-log.ts';

describe('MemoryDeliveryLog', () => {
  it('a delivery id is new once, seen after, and new again once released', async () => {
    const log = new MemoryDeliveryLog();
    expect(await log.claim('a')).toBe('new');
    expect(await log.claim('a')).toBe('seen');
    await log.release('a');
    expect(await log.claim('a')).toBe('new');
  });

  it('stays bounded: past maxEntries the oldest ids are forgotten, the newest kept', async () => {
    const log = new MemoryDeliveryLog({ maxEntries: 100 });
    for (let i = 0; i < 1_000; i++) await log.claim(`d${i}`);
    expect(await log.claim('d999')).toBe('seen');
    expect(await log.claim('d0')).toBe('new');
  });
});
