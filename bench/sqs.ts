/**
 * An SQS standard queue with a redrive policy, and the Lambda SQS event source in front of the
 * worker, simulated on a `SimClock`:
 * - receive hands out up to `batchSize` visible messages in no particular order (standard queues
 *   do not keep order), waiting up to the batching window to fill a batch;
 * - a received message is invisible for the visibility timeout; a message the function
 *   acknowledged (not in `batchItemFailures`) is deleted, any other comes back when the timeout
 *   ends; on the receive after `maxReceiveCount` it moves to the dead-letter queue;
 * - each concurrent poller is one function instance (its own worker, GitHub host, caches and
 *   write budget) handling one batch at a time; an invocation that outlives the function timeout
 *   is abandoned (its instance can send nothing more) and replaced by a cold one.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SimClock } from './clock.ts';
import { sqsRecord } from './events.ts';

export interface QueueOptions {
  readonly visibilityTimeoutMs: number;
  readonly maxReceiveCount: number;
  readonly random: () => number;
}

interface Message {
  readonly id: string;
  readonly body: string;
  /** Simulated time from which it can be received. */
  visibleAt: number;
  receiveCount: number;
}

export class SimQueue {
  private readonly messages = new Map<string, Message>();
  readonly deadLetters: { id: string; body: string; receiveCount: number }[] = [];
  private sequence = 0;
  sent = 0;
  deleted = 0;

  constructor(
    private readonly clock: SimClock,
    private readonly options: QueueOptions,
  ) {}

  send(body: string): string {
    this.sequence += 1;
    this.sent += 1;
    const id = `m-${this.sequence.toString().padStart(5, '0')}`;
    this.messages.set(id, { id, body, visibleAt: this.clock.elapsed(), receiveCount: 0 });
    return id;
  }

  /** Messages not yet deleted nor dead-lettered (visible or in flight). */
  get size(): number {
    return this.messages.size;
  }

  visibleCount(): number {
    const now = this.clock.elapsed();
    let n = 0;
    for (const m of this.messages.values()) if (m.visibleAt <= now) n += 1;
    return n;
  }

  /** When the next invisible message becomes visible (simulated ms since start). */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    for (const m of this.messages.values()) if (next === undefined || m.visibleAt < next) next = m.visibleAt;
    return next;
  }

  receive(max: number): SQSEvent['Records'] {
    const now = this.clock.elapsed();
    const visible = [...this.messages.values()].filter((m) => m.visibleAt <= now);
    const records: SQSEvent['Records'] = [];
    while (records.length < max && visible.length > 0) {
      const [m] = visible.splice(Math.floor(this.options.random() * visible.length), 1) as [Message];
      if (m.receiveCount >= this.options.maxReceiveCount) {
        this.messages.delete(m.id);
        this.deadLetters.push({ id: m.id, body: m.body, receiveCount: m.receiveCount });
        continue;
      }
      m.receiveCount += 1;
      m.visibleAt = now + this.options.visibilityTimeoutMs;
      records.push(sqsRecord(m.body, m.id, m.receiveCount));
    }
    return records;
  }

  delete(id: string): void {
    if (this.messages.delete(id)) this.deleted += 1;
  }
}

export interface FunctionInstance {
  readonly handler: (
    event: SQSEvent,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
  ) => Promise<SQSBatchResponse>;
  /** Stops everything the instance still has in flight (its process is gone). */
  kill(): void;
}

export interface EventSourceOptions {
  readonly clock: SimClock;
  readonly queue: SimQueue;
  /** Concurrent function instances (Lambda `maxConcurrency`). */
  readonly concurrency: number;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly functionTimeoutMs: number;
  /** A new (cold) function instance. */
  readonly instance: (index: number) => FunctionInstance;
  /** True while more messages may still be sent (the burst is arriving). */
  readonly producing: () => boolean;
  /** Simulated ms after which the pollers stop, drained or not. */
  readonly until: number;
}

export interface EventSourceStats {
  invocations: number;
  coldStarts: number;
  timeouts: number;
  crashed: number;
  recordsFailed: number;
  recordsAcknowledged: number;
  /** Simulated ms from the first send to the last message leaving the queue. */
  drainMs: number;
  /** Simulated duration of the invocations that returned, seconds. */
  invocationSeconds: { p50: number; p90: number; max: number };
}

export async function runEventSource(options: EventSourceOptions): Promise<EventSourceStats> {
  const { clock, queue } = options;
  const stats: EventSourceStats = {
    invocations: 0,
    coldStarts: 0,
    timeouts: 0,
    crashed: 0,
    recordsFailed: 0,
    recordsAcknowledged: 0,
    drainMs: 0,
    invocationSeconds: { p50: 0, p90: 0, max: 0 },
  };
  const durations: number[] = [];
  const done = () => (!options.producing() && queue.size === 0) || clock.elapsed() >= options.until;

  const poller = async (index: number) => {
    let current: FunctionInstance | undefined;
    while (!done()) {
      if (queue.visibleCount() === 0) {
        const next = queue.nextVisibleAt();
        const wait = next === undefined ? 100 : Math.max(next - clock.elapsed(), 10);
        await clock.sleep(Math.min(wait, 1000));
        continue;
      }
      // Lambda waits up to the batching window for a full batch.
      const windowEnd = clock.elapsed() + options.batchingWindowMs;
      while (queue.visibleCount() < options.batchSize && clock.elapsed() < windowEnd && options.producing())
        await clock.sleep(50);
      const records = queue.receive(options.batchSize);
      if (records.length === 0) continue;
      if (!current) {
        current = options.instance(index);
        stats.coldStarts += 1;
      }
      stats.invocations += 1;
      const instance = current;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), clock.real(options.functionTimeoutMs));
      });
      let outcome: SQSBatchResponse | 'timeout' | 'crash';
      const started = clock.elapsed();
      try {
        // As Lambda's context reports it: real milliseconds left before the timeout.
        const realStart = performance.now();
        const timeoutReal = clock.real(options.functionTimeoutMs);
        const context = {
          getRemainingTimeInMillis: () => Math.max(0, timeoutReal - (performance.now() - realStart)),
        };
        outcome = await Promise.race([instance.handler({ Records: records }, context), timeout]);
      } catch {
        outcome = 'crash';
      } finally {
        clearTimeout(timer);
      }
      if (outcome === 'timeout' || outcome === 'crash') {
        // Every record of the batch comes back after the visibility timeout; the instance is gone.
        if (outcome === 'timeout') stats.timeouts += 1;
        else stats.crashed += 1;
        stats.recordsFailed += records.length;
        instance.kill();
        current = undefined;
        continue;
      }
      durations.push(clock.elapsed() - started);
      const failed = new Set(outcome.batchItemFailures.map((f) => f.itemIdentifier));
      for (const record of records) {
        if (failed.has(record.messageId)) stats.recordsFailed += 1;
        else {
          queue.delete(record.messageId);
          stats.recordsAcknowledged += 1;
        }
      }
      stats.drainMs = clock.elapsed();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => poller(i)));
  stats.drainMs = Math.round(Math.max(stats.drainMs, clock.elapsed()));
  durations.sort((a, b) => a - b);
  const pick = (q: number) => Math.round((durations[Math.floor(q * (durations.length - 1))] ?? 0) / 100) / 10;
  stats.invocationSeconds = { p50: pick(0.5), p90: pick(0.9), max: pick(1) };
  return stats;
}
