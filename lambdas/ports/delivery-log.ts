/**
 * The deliveries the intake has already queued, by the sender's delivery id (GitHub's
 * `X-GitHub-Delivery`, which a redelivery keeps): a second copy is answered without queueing.
 * In AWS a DynamoDB item per id (`adapters/dynamodb/delivery-log.ts`), in `serve` and as the
 * fallback an in-process LRU (`adapters/local/memory-delivery-log.ts`).
 */
import { ImageUpdaterError } from '../errors.ts';

/** The log could not be read or written (throttled, unreachable, denied). Always retryable. */
export class DeliveryLogError extends ImageUpdaterError {
  readonly code = 'DELIVERY_LOG_UNAVAILABLE';

  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super(message, { retryable: true, ...options });
  }
}
export type DeliveryClaim = 'new' | 'seen';

export interface DeliveryLog {
  /**
   * `new` when this call is the first to claim `id` (the caller queues the delivery), `seen`
   * when an earlier call did. Throws an `ImageUpdaterError` when the log can't be read or
   * written; the caller then accepts the delivery anyway (the worker is idempotent).
   */
  claim(id: string): Promise<DeliveryClaim>;
  /** Forgets a claim whose delivery could not be queued, so a redelivery is not dropped as seen. */
  release(id: string): Promise<void>;
}
