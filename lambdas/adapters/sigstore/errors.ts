import { ImageUpdaterError } from '../../errors.ts';

export type VerifyKeyErrorCode =
  /** The secret a policy's `verify.cosign.key` names is missing, denied or empty: a person fixes it. */
  | 'VERIFY_KEY_UNREADABLE'
  /** Secrets Manager did not answer: a later try may work. */
  | 'VERIFY_KEY_UNAVAILABLE';

export class VerifyKeyError extends ImageUpdaterError {
  constructor(
    readonly code: VerifyKeyErrorCode,
    message: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(message, { retryable: code === 'VERIFY_KEY_UNAVAILABLE', ...options });
  }
}
