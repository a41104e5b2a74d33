import { ImageUpdaterError } from '../errors.ts';

/** The function's environment is not what the construct sets: a deployment bug, fixed by redeploying. */
export class EnvironmentError extends ImageUpdaterError {
  readonly code = 'ENVIRONMENT_INVALID';
}

/**
 * Every record of an SQS batch failed and goes back to the queue. Thrown instead of returning
 * them all as batch item failures (Powertools batch's `FullBatchFailureError` semantics): the
 * invocation then counts as failed, so the function's error alarm fires during an outage, and
 * Lambda backs the event source off instead of polling at full speed.
 */
export class BatchFailedError extends ImageUpdaterError {
  readonly code = 'BATCH_FAILED';

  constructor(
    readonly records: number,
    cause: unknown,
  ) {
    super(`all ${records} records of the batch failed and return to the queue`, { retryable: true, cause });
  }
}
