import { ImageUpdaterError } from '../../errors.ts';

export type DynamoErrorCode =
  /** The delivery log's table could not be read or written (throttled, unreachable, denied). */
  'DELIVERY_LOG_UNAVAILABLE';

/** A DynamoDB call failed. Messages name the operation and the SDK's error name, never item values. */
export class DynamoError extends ImageUpdaterError {
  constructor(
    readonly code: DynamoErrorCode,
    message: string,
    options: { readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
