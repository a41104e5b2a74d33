import { ImageUpdaterError } from '../../errors.ts';

export type SecretErrorCode =
  | 'SECRET_NOT_FOUND'
  | 'SECRET_ACCESS_DENIED'
  | 'SECRET_UNAVAILABLE'
  | 'SECRET_FORMAT'
  | 'SECRET_NOT_CONFIGURED';

/**
 * The GitHub credentials could not be read. Messages name the secret and the field, never the
 * value. Every code is `retryable`: a missing, denied or badly formatted secret is fixed by a
 * person, and until then the events wait in the queue and then in the dead-letter queue, from
 * where they can be redriven, instead of being dropped.
 */
export class SecretError extends ImageUpdaterError {
  constructor(
    readonly code: SecretErrorCode,
    message: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(message, { retryable: true, ...options });
  }
}
