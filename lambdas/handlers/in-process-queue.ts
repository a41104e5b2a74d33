/**
 * `serve`'s stand-in for SQS: a `PushQueue` that runs the worker handler itself, one batch per
 * image at a time (pushes of one image are applied in order), coalescing the pushes of an image
 * that arrive while its previous batch runs. Records the worker reports as retryable failures come
 * back after a backoff, like an SQS visibility timeout; after `maxAttempts` they are dropped with
 * an error log (the dead-letter queue of the local mode).
 */
import type { SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { canonicalImageName } from '../core/image/reference.ts';
import { QueueError } from '../core/queue/errors.ts';
import { KeyedSerialQueue } from '../core/queue/keyed-serial-queue.ts';
import type { PushQueue, QueuedPush } from '../ports/push-queue.ts';
import { encodePushMessage } from './messages.ts';
import type { Log } from './telemetry.ts';
import type { WorkerHandler } from './worker.ts';

export interface InProcessQueueOptions {
  readonly worker: WorkerHandler;
  readonly log: Log;
  /** Images worked on at once. @default 4 */
  readonly concurrency?: number;
  /** Tries per push before it is dropped. @default 5 */
  readonly maxAttempts?: number;
  /** Wait before try `attempt + 1`. @default 1 s doubling, at most 60 s */
  readonly retryDelayMs?: (attempt: number) => number;
}

interface Message {
  readonly id: string;
  readonly body: string;
  readonly image: string;
  readonly attempt: number;
  readonly firstQueuedAt: number;
}

export interface InProcessQueueStats {
  readonly queued: number;
  readonly running: number;
  readonly retrying: number;
  readonly processed: number;
  readonly dropped: number;
}

export class InProcessQueue implements PushQueue {
  private readonly queue: KeyedSerialQueue<Message>;
  private readonly retries = new Map<NodeJS.Timeout, Message>();
  private processed = 0;
  private dropped = 0;
  private closed = false;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: (attempt: number) => number;

  constructor(private readonly options: InProcessQueueOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? ((attempt) => Math.min(60_000, 1000 * 2 ** (attempt - 1)));
    this.queue = new KeyedSerialQueue<Message>({
      concurrency: options.concurrency ?? 4,
      process: (image, messages) => this.process(image, messages),
      onError: (image, messages, error) => this.failed(messages, error),
    });
  }

  async enqueue(pushes: readonly QueuedPush[]): Promise<void> {
    if (this.closed) throw new QueueError('QUEUE_CLOSED', 'shutting down; deliver again later');
    for (const { push, source, id } of pushes) {
      const image = canonicalImageName(push.image) ?? push.image;
      this.queue.push(image, {
        id: randomUUID(),
        body: encodePushMessage(push, source, id),
        image,
        attempt: 1,
        firstQueuedAt: Date.now(),
      });
    }
  }

  stats(): InProcessQueueStats {
    const { queued, running } = this.queue.stats();
    return { queued, running, retrying: this.retries.size, processed: this.processed, dropped: this.dropped };
  }

  /** Nothing queued, running or waiting to be retried. */
  get isIdle(): boolean {
    return this.queue.isIdle && this.retries.size === 0;
  }

  /**
   * Takes no more pushes, runs the pending retries now instead of after their backoff, and
   * resolves when everything queued has been applied or `timeoutMs` passed (then: false).
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = (async () => {
      while (!this.isIdle) {
        for (const [handle, message] of this.retries) {
          clearTimeout(handle);
          this.retries.delete(handle);
          this.queue.push(message.image, message);
        }
        await this.queue.idle();
      }
      return true as const;
    })();
    try {
      return await Promise.race([done, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async process(_image: string, messages: Message[]): Promise<void> {
    const response = await this.options.worker({ Records: messages.map(toRecord) });
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    this.processed += messages.length - failed.size;
    this.failed(
      messages.filter((m) => failed.has(m.id)),
      undefined,
    );
  }

  private failed(messages: readonly Message[], error: unknown): void {
    for (const message of messages) {
      if (message.attempt >= this.maxAttempts || this.closed) {
        this.dropped += 1;
        this.options.log.error('push dropped after its last try', {
          image: message.image,
          attempts: message.attempt,
          ...(error !== undefined ? { error: String((error as Error).message ?? error) } : {}),
        });
        continue;
      }
      const next = { ...message, attempt: message.attempt + 1 };
      const handle = setTimeout(() => {
        this.retries.delete(handle);
        this.queue.push(next.image, next);
      }, this.retryDelayMs(message.attempt));
      handle.unref();
      this.retries.set(handle, next);
    }
  }
}

function toRecord(message: Message): SQSRecord {
  return {
    messageId: message.id,
    receiptHandle: message.id,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.attempt),
      SentTimestamp: String(message.firstQueuedAt),
      SenderId: 'image-updater-serve',
      ApproximateFirstReceiveTimestamp: String(message.firstQueuedAt),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'image-updater:serve',
    eventSourceARN: 'image-updater:serve',
    awsRegion: '',
  };
}
