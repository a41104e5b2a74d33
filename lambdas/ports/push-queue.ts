/**
 * Where an entry point that normalised an event hands it to the worker: the SQS queue in AWS, an
 * in-process queue in `serve`. Either way the worker sees the same messages
 * (`adapters/sqs/messages.ts`): a registry push, or one of GitHub's repository events.
 */
import type { PushedImage } from '../core/push.ts';
import type { RepoEvent, RepoEventSource } from '../core/repo-events.ts';

export interface QueuedPush {
  readonly push: PushedImage;
  /** The provider that delivered it (`distribution`, `harbor`, …), for logs and metrics. */
  readonly source: string;
  /** The registry's event or delivery id: the correlation id in the worker's logs. */
  readonly id?: string;
}

/**
 * A GitHub App event, normalised (`adapters/webhooks/github.ts`), one message per delivery; or a
 * wake-up of the updater's delayed work (`scheduler`).
 */
export interface QueuedRepoEvent {
  readonly event: RepoEvent;
  readonly source: RepoEventSource;
  /** `X-GitHub-Delivery` (or the wake-up's key): the correlation id, and the key the intake de-duplicates on. */
  readonly id: string;
}

export type QueuedMessage = QueuedPush | QueuedRepoEvent;

export function isQueuedRepoEvent(message: QueuedMessage): message is QueuedRepoEvent {
  return 'event' in message;
}

export interface PushQueue {
  /**
   * Resolves once every message is durably queued. Throws an `ImageUpdaterError` otherwise, so
   * the caller can ask the sender to deliver again; messages queued twice are harmless.
   */
  enqueue(messages: readonly QueuedMessage[]): Promise<void>;
}
