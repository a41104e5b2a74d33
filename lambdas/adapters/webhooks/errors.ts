import { ImageUpdaterError } from '../../errors.ts';

export type WebhookErrorCode =
  /** An allow-list entry that names no registry, or is not a registry/repository prefix. */
  | 'WEBHOOK_ALLOW_LIST_INVALID'
  /** The webhook secret is not a string or a JSON object of strings per provider. */
  | 'WEBHOOK_SECRET_FORMAT'
  /** The webhook secret could not be read (Secrets Manager throttled or unreachable). */
  | 'WEBHOOK_SECRET_UNAVAILABLE';

export class WebhookError extends ImageUpdaterError {
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    options: { readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
