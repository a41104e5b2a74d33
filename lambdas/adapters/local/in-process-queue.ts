/**
 * `serve`'s stand-in for SQS: a `PushQueue` that runs the worker handler itself, one batch per
 * image at a time (pushes of one image are applied in order), coalescing the pushes of an image
 * that arrive while its previous batch runs. GitHub's repository events are ordered the same way
 * per repository (`github:owner/name`), installation events per installation. Records the worker reports as retryable failures come
 * back after a backoff, like an SQS visibility timeout.
 *
 * There is no dead-letter queue and the registry was answered 202 already, so a push that is not
 * applied (its tries used up, credentials GitHub keeps rejecting, an error no retry can fix, a
 * shutdown) is "handed back": one ERROR line with the image, tag, digest, correlation id and the
 * reason, for the operator to re-push or redeliver.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { canonicalImageName } from '../../core/image/reference.ts';
import { QueueError } from '../../core/queue/errors.ts';
import { KeyedSerialQueue } from '../../core/queue/keyed-serial-queue.ts';
import { isQueuedRepoEvent, type PushQueue, type QueuedMessage } from '../../ports/push-queue.ts';
import type { RepoEvent } from '../../core/repo-events.ts';
import { encodeQueuedMessage } from '../sqs/messages.ts';
import type { Log } from '../../ports/telemetry.ts';
import { errorFields, isRetryable } from '../../errors.ts';

/** What SQS would invoke: the worker function's handler (`handlers/worker.ts`). */
type BatchHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export interface InProcessQueueOptions {
  readonly worker: BatchHandler;
  readonly log: Log;
  /** Images worked on at once. @default 4 */
  readonly concurrency?: number;
  /** Tries per push before it is handed back. @default 5 */
  readonly maxAttempts?: number;
  /** Wait before try `attempt + 1`. @default 1 s doubling, at most 60 s */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Gives up the work in flight (aborts its GitHub requests) when a stop's grace period ends. */
  readonly abort?: () => void;
  readonly now?: () => number;
}

/** Why an accepted push was not applied. */
export type HandBackReason = 'shutdown' | 'retries-exhausted' | 'bad-credentials' | 'not-retryable';

interface Message {
  readonly id: string;
  readonly body: string;
  /** What orders it: the image, or the repository or installation of a GitHub event. */
  readonly key: string;
  readonly queued: QueuedMessage;
  readonly attempt: number;
  readonly firstQueuedAt: number;
}

export interface InProcessQueueStats {
  readonly queued: number;
  readonly running: number;
  readonly retrying: number;
  readonly processed: number;
  /** Accepted pushes that were not applied (each logged at ERROR). */
  readonly handedBack: number;
}

export interface StopResult {
  /** Everything accepted was applied before the grace period ended. */
  readonly drained: boolean;
  /** Pushes handed back during the stop. */
  readonly handedBack: number;
}

const HAND_BACK_HINT =
  'not applied; the registry was answered 202 and will not deliver it again: re-push the tag or redeliver the webhook (a reconcile also applies it)';

export class InProcessQueue implements PushQueue {
  private readonly queue: KeyedSerialQueue<Message>;
  private readonly retries = new Map<NodeJS.Timeout, Message>();
  /** Messages queued for a batch that has not started, by id. */
  private readonly waiting = new Map<string, Message>();
  /** Messages whose batch is running, by id (the worker reports failures by record id). */
  private readonly running = new Map<string, Message>();
  /** What the worker reported for running messages: the error of the work they were about. */
  private readonly errors = new Map<string, unknown>();
  private processed = 0;
  private handedBack = 0;
  private closed = false;
  /** The grace period ended: work in flight was aborted; queued batches are handed back unrun. */
  private abandoned = false;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly now: () => number;

  constructor(private readonly options: InProcessQueueOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? ((attempt) => Math.min(60_000, 1000 * 2 ** (attempt - 1)));
    this.now = options.now ?? Date.now;
    this.queue = new KeyedSerialQueue<Message>({
      concurrency: options.concurrency ?? 4,
      process: (image, messages) => this.process(image, messages),
      onError: (_image, messages, error) => this.settle(messages, new Set(messages.map((m) => m.id)), error),
    });
  }

  async enqueue(messages: readonly QueuedMessage[]): Promise<void> {
    if (this.closed) throw new QueueError('QUEUE_CLOSED', 'shutting down; deliver again later');
    for (const queued of messages) {
      this.push({
        id: randomUUID(),
        body: encodeQueuedMessage(queued),
        key: orderKey(queued),
        queued,
        attempt: 1,
        firstQueuedAt: this.now(),
      });
    }
  }

  /**
   * For the worker's `onFailure`: the records a failed piece of work was about, and its error.
   * The worker acknowledges records of a non-retryable failure; this is how they are told apart
   * from applied ones.
   */
  readonly recordFailure = (messageIds: readonly string[], error: unknown): void => {
    for (const id of messageIds) if (this.running.has(id) && !this.errors.has(id)) this.errors.set(id, error);
  };

  stats(): InProcessQueueStats {
    const { queued, running } = this.queue.stats();
    return {
      queued,
      running,
      retrying: this.retries.size,
      processed: this.processed,
      handedBack: this.handedBack,
    };
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
    return this.waitIdle(timeoutMs, () => {
      for (const [handle, message] of this.retries) {
        clearTimeout(handle);
        this.retries.delete(handle);
        this.push(message);
      }
    });
  }

  private push(message: Message): void {
    this.waiting.set(message.id, message);
    this.queue.push(message.key, message);
  }

  /**
   * A shutdown: `drain(graceMs)`; what is still under way then is aborted (`options.abort`) and,
   * with everything not yet started, handed back. Waits at most `settleMs` more for aborted work
   * to return; work that does not is handed back all the same and its late end ignored.
   */
  async stop(graceMs: number, settleMs = 2_000): Promise<StopResult> {
    const before = this.handedBack;
    const drained = await this.drain(graceMs);
    if (!drained) {
      this.abandoned = true;
      this.options.abort?.();
      await this.waitIdle(settleMs, () => {});
      // Batches that did not return, and those queued behind them: their late ends are ignored.
      for (const message of [...this.running.values(), ...this.waiting.values()])
        this.handBack(message, 'shutdown', undefined);
      this.running.clear();
      this.waiting.clear();
    }
    const handedBack = this.handedBack - before;
    if (handedBack > 0)
      this.options.log.error('accepted pushes not applied at shutdown', {
        handedBack,
        reason: 'shutdown',
        detail: `${handedBack} push(es) ${HAND_BACK_HINT}; each is logged above with its image, tag and correlation id`,
      });
    return { drained, handedBack };
  }

  private async waitIdle(timeoutMs: number, beforeEachWait: () => void): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve(false);
      }, timeoutMs);
    });
    const done = (async () => {
      while (!this.isIdle && !timedOut) {
        beforeEachWait();
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
    if (this.abandoned) {
      for (const message of messages)
        if (this.waiting.delete(message.id)) this.handBack(message, 'shutdown', undefined);
      return;
    }
    for (const m of messages) {
      this.waiting.delete(m.id);
      this.running.set(m.id, m);
    }
    const response = await this.options.worker({ Records: messages.map(toRecord) });
    this.settle(messages, new Set(response.batchItemFailures.map((f) => f.itemIdentifier)), undefined);
  }

  /** After a batch: applied, back for another try, or handed back. */
  private settle(messages: readonly Message[], retry: ReadonlySet<string>, thrown: unknown): void {
    for (const message of messages) {
      // Handed back already: the stop stopped waiting for this batch.
      if (!this.running.delete(message.id) && this.abandoned) continue;
      const error = this.errors.get(message.id) ?? thrown;
      this.errors.delete(message.id);
      if (retry.has(message.id)) this.retryOrHandBack(message, error);
      else if (error !== undefined) this.handBack(message, reasonFor(error, this.closed), error);
      else this.processed += 1;
    }
  }

  private retryOrHandBack(message: Message, error: unknown): void {
    const code = errorFields(error).errorCode;
    if (this.closed) return this.handBack(message, 'shutdown', error);
    if (!isRetryable(error)) return this.handBack(message, 'not-retryable', error);
    // Credentials GitHub rejected twice (the worker refreshed them in between) will not change.
    if (code === 'GITHUB_UNAUTHORIZED' && message.attempt >= 2)
      return this.handBack(message, 'bad-credentials', error);
    if (message.attempt >= this.maxAttempts) return this.handBack(message, 'retries-exhausted', error);
    const delay = this.retryDelayMs(message.attempt);
    const next = { ...message, attempt: message.attempt + 1 };
    this.options.log.warn('push failed; it will be tried again', {
      ...pushFields(message),
      attempt: message.attempt,
      maxAttempts: this.maxAttempts,
      ...(error !== undefined ? errorFields(error) : {}),
      nextAttemptAt: new Date(this.now() + delay).toISOString(),
    });
    const handle = setTimeout(() => {
      this.retries.delete(handle);
      this.push(next);
    }, delay);
    handle.unref();
    this.retries.set(handle, next);
  }

  private handBack(message: Message, reason: HandBackReason, error: unknown): void {
    this.handedBack += 1;
    this.options.log.error('push handed back', {
      ...pushFields(message),
      reason,
      attempts: message.attempt,
      ...(error !== undefined ? errorFields(error) : {}),
      detail: HAND_BACK_HINT,
    });
  }
}

function reasonFor(error: unknown, closed: boolean): HandBackReason {
  if (errorFields(error).errorCode === 'ABORTED' || closed) return 'shutdown';
  return isRetryable(error) ? 'retries-exhausted' : 'not-retryable';
}

function orderKey(queued: QueuedMessage): string {
  if (!isQueuedRepoEvent(queued)) return canonicalImageName(queued.push.image) ?? queued.push.image;
  const { event } = queued;
  return event.type === 'repositories'
    ? `github:installation:${event.installationId}`
    : `github:${event.repo.toLowerCase()}`;
}

/** The message as the worker logs it; the correlation id is the sender's, else the record's. */
function pushFields(message: Message): Record<string, unknown> {
  const { queued } = message;
  const base = { correlation_id: queued.id ?? message.id, source: queued.source };
  if (isQueuedRepoEvent(queued)) return { ...base, ...eventFields(queued.event) };
  const { push } = queued;
  return { ...base, image: push.image, tag: push.tag, ...(push.digest ? { digest: push.digest } : {}) };
}

function eventFields(event: RepoEvent): Record<string, unknown> {
  return event.type === 'repositories'
    ? { event: event.type, installationId: event.installationId }
    : { event: event.type, repo: event.repo };
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
