/**
 * Where an entry point that normalised a push hands it to the worker: the SQS queue in AWS, an
 * in-process per-image queue in `serve`. Either way the worker sees the same `PushMessage`.
 */
import type { PushedImage } from '../core/push.ts';

export interface QueuedPush {
  readonly push: PushedImage;
  /** The provider that delivered it (`distribution`, `harbor`, …), for logs and metrics. */
  readonly source: string;
  /** The registry's event or delivery id: the correlation id in the worker's logs. */
  readonly id?: string;
}

export interface PushQueue {
  /**
   * Resolves once every push is durably queued. Throws an `ImageUpdaterError` otherwise, so the
   * caller can ask the registry to deliver again; pushes queued twice are harmless.
   */
  enqueue(pushes: readonly QueuedPush[]): Promise<void>;
}
