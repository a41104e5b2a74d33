import { ImageUpdaterError } from '../../errors.ts';

export type RegistryErrorCode =
  /** The registry (or its token service) refused the credentials, or none were configured. */
  | 'REGISTRY_UNAUTHORIZED'
  /** No such repository (`NAME_UNKNOWN`), or the credentials may not see it. */
  | 'REGISTRY_NOT_FOUND'
  | 'REGISTRY_THROTTLED'
  /** 5xx, timeout, connection refused: a later try may work. */
  | 'REGISTRY_UNAVAILABLE'
  /** An answer outside the distribution spec (not JSON, a `Link` to another host, …). */
  | 'REGISTRY_BAD_RESPONSE'
  | 'REGISTRY_TOO_MANY_TAGS'
  | 'REGISTRY_NOT_SUPPORTED'
  | 'REGISTRY_CREDENTIALS_FORMAT'
  | 'REGISTRY_REQUEST_FAILED';

export class RegistryError extends ImageUpdaterError {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options: { readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
