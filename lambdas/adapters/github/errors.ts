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
  | 'GITHUB_UNREACHABLE'
  | 'GITHUB_REQUEST_FAILED'
  | 'ABORTED'
  | 'GITHUB_NOT_INSTALLED'
  | 'GITHUB_TREE_TRUNCATED';

/**
 * A failed GitHub call. `retryable` says whether the same event can succeed later (5xx,
 * throttling, network, a token that expired mid-flight), so the worker returns it to the queue
 * instead of dropping it. `ABORTED` is not: the caller gave the work up (shutdown, a failed
 * sibling request) and hands its events back itself.
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
  readonly request?: unknown;
  readonly response?: { readonly headers?: Record<string, string | number | undefined> };
}

/** Socket and DNS failures (Node) and undici's own, as they appear in a fetch error's cause. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

type Failure = 'aborted' | 'unreachable' | undefined;

/**
 * What the error chain says about the transport. @octokit/request rethrows an aborted fetch's
 * `AbortError` as it is (with `status` 500 set), and wraps any other fetch failure in a
 * `RequestError` with status 500, no `response`, and the fetch `TypeError` (whose own cause holds
 * the socket error's `code`) as `cause`; `AbortSignal.timeout` aborts with a `TimeoutError`.
 */
function transportFailure(error: unknown): Failure {
  let found: Failure;
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (found === 'aborted' || depth > 6 || e === null || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const { name, code, cause, errors } = e as {
      name?: unknown;
      code?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (name === 'AbortError') found = 'aborted';
    else if (name === 'TimeoutError' || (typeof code === 'string' && NETWORK_CODES.has(code)))
      found ??= 'unreachable';
    visit(cause, depth + 1);
    // Happy eyeballs: one connection error per address.
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return found;
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
  const transport = transportFailure(error);
  if (transport === 'aborted')
    return new GitHostError('ABORTED', `${what}: aborted (the work was given up)`, { cause: error });
  // The request got no answer: `status` 500 here is @octokit/request's stand-in, not GitHub's.
  const unanswered = e.response === undefined && (status === undefined || status === 500 || status === 0);
  if (transport === 'unreachable' || (unanswered && e.request !== undefined))
    return new GitHostError('GITHUB_UNREACHABLE', `${what}: GitHub unreachable: ${causeLine(error)}`, {
      retryable: true,
      cause: error,
    });
  const opts = { status, cause: error };
  if (status === undefined || status === 0)
    return new GitHostError('GITHUB_REQUEST_FAILED', detail, { ...opts, retryable: true });
  // Retryable once: an App's installation token may have expired mid-flight; a caller that sees
  // it again gives up (the worker refreshes the credentials in between).
  if (status === 401) {
    const message = `${what}: GitHub rejected the credentials (401 ${firstLine(e.message ?? '')})`;
    return new GitHostError('GITHUB_UNAUTHORIZED', message, { ...opts, retryable: true });
  }
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

/** The innermost message with its code: `connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)`. */
function causeLine(error: unknown): string {
  let e = error as { message?: unknown; code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 6 && e?.cause !== undefined && typeof e.cause === 'object'; depth++)
    e = e.cause as typeof e;
  const message = firstLine(String(e?.message ?? error));
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
