import { ImageUpdaterError } from '../../core/errors.ts';
import { WriteBudgetExhaustedError } from './write-budget.ts';

export type GitHostErrorCode =
  | 'GITHUB_UNAUTHORIZED'
  | 'GITHUB_FORBIDDEN'
  | 'GITHUB_NOT_FOUND'
  | 'GITHUB_CONFLICT'
  | 'GITHUB_UNPROCESSABLE'
  | 'GITHUB_RATE_LIMITED'
  | 'GITHUB_SERVER_ERROR'
  | 'GITHUB_NETWORK'
  | 'GITHUB_NOT_INSTALLED'
  | 'GITHUB_TREE_TRUNCATED';

/**
 * A failed GitHub call. `retryable` says whether the same event can succeed later (5xx,
 * throttling, network, a token that expired mid-flight), so the worker returns it to the queue
 * instead of dropping it.
 */
export class GitHostError extends ImageUpdaterError {
  constructor(
    readonly code: GitHostErrorCode,
    message: string,
    options: { readonly status?: number; readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, { retryable: options.retryable ?? false, cause: options.cause });
    this.status = options.status;
  }

  readonly status: number | undefined;
}

interface RequestErrorLike {
  readonly status?: number;
  readonly message?: string;
  readonly response?: { readonly headers?: Record<string, string | number | undefined> };
}

/** Maps an Octokit `RequestError` (or a network failure) to a `GitHostError`. */
export function toGitHostError(error: unknown, what: string): GitHostError {
  if (error instanceof GitHostError) return error;
  if (error instanceof WriteBudgetExhaustedError)
    return new GitHostError('GITHUB_RATE_LIMITED', `${what}: ${error.message}`, {
      retryable: true,
      cause: error,
    });
  const e = (error ?? {}) as RequestErrorLike;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const detail = `${what}: ${firstLine(e.message ?? String(error))}`;
  const opts = { status, cause: error };
  if (status === undefined || status === 0)
    return new GitHostError('GITHUB_NETWORK', detail, { ...opts, retryable: true });
  if (status === 401) return new GitHostError('GITHUB_UNAUTHORIZED', detail, { ...opts, retryable: true });
  if (status === 403 || status === 429) {
    const headers = e.response?.headers ?? {};
    const limited =
      status === 429 ||
      headers['retry-after'] !== undefined ||
      String(headers['x-ratelimit-remaining']) === '0' ||
      /rate limit/i.test(detail);
    return limited
      ? new GitHostError('GITHUB_RATE_LIMITED', detail, { ...opts, retryable: true })
      : new GitHostError('GITHUB_FORBIDDEN', detail, opts);
  }
  if (status === 404) return new GitHostError('GITHUB_NOT_FOUND', detail, opts);
  if (status === 409) return new GitHostError('GITHUB_CONFLICT', detail, { ...opts, retryable: true });
  if (status === 422) return new GitHostError('GITHUB_UNPROCESSABLE', detail, opts);
  if (status >= 500) return new GitHostError('GITHUB_SERVER_ERROR', detail, { ...opts, retryable: true });
  return new GitHostError('GITHUB_UNPROCESSABLE', detail, opts);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
