/**
 * The delivery log in process memory: `serve`'s, and the webhook function's when no table is
 * configured (then each warm function instance remembers only the deliveries it took). Bounded
 * by count and age: GitHub lets a person redeliver for 3 days, so an id is kept 4.
 */
import { LRUCache } from 'lru-cache';
import type { DeliveryClaim, DeliveryLog } from '../../ports/delivery-log.ts';

export interface MemoryDeliveryLogOptions {
  /** @default 10 000 */
  readonly maxEntries?: number;
  /** @default 4 days */
  readonly ttlMs?: number;
}

export const DELIVERY_TTL_MS = 4 * 24 * 60 * 60 * 1000;

export class MemoryDeliveryLog implements DeliveryLog {
  private readonly seen: LRUCache<string, true>;

  constructor(options: MemoryDeliveryLogOptions = {}) {
    this.seen = new LRUCache({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? DELIVERY_TTL_MS });
  }

  async claim(id: string): Promise<DeliveryClaim> {
    if (this.seen.has(id)) return 'seen';
    this.seen.set(id, true);
    return 'new';
  }

  async release(id: string): Promise<void> {
    this.seen.delete(id);
  }
}
