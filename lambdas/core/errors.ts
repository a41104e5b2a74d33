/**
 * The base of every error the project throws on purpose. Each area has its own `errors.ts` with
 * subclasses; callers branch on `code` (stable, documented) and `retryable` (whether trying the
 * same work again later can succeed), never on message text.
 */
export interface ImageUpdaterErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export abstract class ImageUpdaterError extends Error {
  abstract readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, options: ImageUpdaterErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
  }
}
