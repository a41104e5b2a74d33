/**
 * The base of every error the project throws on purpose. Each area has its own `errors.ts` with
 * subclasses; callers branch on `code` (stable, documented) and `retryable` (whether trying the
 * same work again later can succeed), never on message text.
 *
 * Outside every layer, like `names.ts`: it imports nothing, so the core, the ports, the adapters,
 * the handlers and `lib/` may all extend it without an import against the layering.
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

/**
 * An error as log attributes: code, retryable and message. Never the error object itself,
 * whose `cause` may hold a vendor response with headers.
 */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof ImageUpdaterError) {
    return { errorCode: error.code, retryable: error.retryable, errorMessage: error.message };
  }
  const e = error as { name?: string; message?: string } | undefined;
  return { errorCode: e?.name ?? 'Error', retryable: false, errorMessage: e?.message ?? String(error) };
}

/**
 * Whether the records go back to the queue. An error that is not an `ImageUpdaterError` is a bug:
 * its records are retried and end in the dead-letter queue, to be redriven once it is fixed,
 * rather than dropped.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof ImageUpdaterError ? error.retryable : true;
}
