/**
 * Work queued under keys (image names): one batch per key at a time, so a key's work runs in
 * order; items queued while a key's batch runs are coalesced into its next batch; up to
 * `concurrency` keys run at once, in the order they became ready.
 */

export interface KeyedSerialQueueOptions<T> {
  /** Handles every item queued for `key` since its previous batch. */
  readonly process: (key: string, items: T[]) => Promise<void>;
  /** Keys worked on at once. @default 4 */
  readonly concurrency?: number;
  /** A batch whose `process` threw; the queue goes on with the next. */
  readonly onError?: (key: string, items: readonly T[], error: unknown) => void;
}

export interface KeyedQueueStats {
  /** Items waiting for their key's next batch. */
  readonly queued: number;
  /** Keys whose batch is running. */
  readonly running: number;
}

export class KeyedSerialQueue<T> {
  private readonly pending = new Map<string, T[]>();
  private readonly running = new Set<string>();
  /** Keys with pending items and no running batch, oldest first. */
  private readonly ready: string[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;

  constructor(private readonly options: KeyedSerialQueueOptions<T>) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  push(key: string, item: T): void {
    const queued = this.pending.get(key);
    if (queued) queued.push(item);
    else {
      this.pending.set(key, [item]);
      if (!this.running.has(key)) this.ready.push(key);
    }
    this.pump();
  }

  stats(): KeyedQueueStats {
    let queued = 0;
    for (const items of this.pending.values()) queued += items.length;
    return { queued, running: this.running.size };
  }

  get isIdle(): boolean {
    return this.pending.size === 0 && this.running.size === 0;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      const items = this.pending.get(key)!;
      this.pending.delete(key);
      this.running.add(key);
      void this.run(key, items);
    }
  }

  private async run(key: string, items: T[]): Promise<void> {
    try {
      await this.options.process(key, items);
    } catch (error) {
      this.options.onError?.(key, items, error);
    } finally {
      this.running.delete(key);
      if (this.pending.has(key)) this.ready.push(key);
      this.pump();
      if (this.isIdle) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }
}
