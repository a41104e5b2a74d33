import { ImageUpdaterError } from '../../errors.ts';

export type QueueErrorCode =
  /** The queue refused or lost some messages (SQS errors, throttling). */
  | 'QUEUE_SEND_FAILED'
  /** The process is shutting down and takes no more work. */
  | 'QUEUE_CLOSED';

/** Pushes that were not queued. Always retryable: the registry delivers again. */
export class QueueError extends ImageUpdaterError {
  constructor(
    readonly code: QueueErrorCode,
    message: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(message, { retryable: true, ...options });
  }
}
