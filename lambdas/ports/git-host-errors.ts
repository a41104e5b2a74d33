/**
 * The error every `GitHost` / `RepoClient` method fails with. It belongs to the port, so the
 * core branches on its `code` without importing an adapter, and an adapter for another host
 * translates its vendor's errors into the same codes.
 */
import { ImageUpdaterError } from '../errors.ts';

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
  | 'GITHUB_TREE_TRUNCATED'
  /** What was to be created (a branch, a pull request for the branch) exists: another writer was first. */
  | 'ALREADY_EXISTS'
  /** A branch update that is not a fast-forward of its head, without `force`. */
  | 'NOT_FAST_FORWARD'
  /** Auto-merge refused because nothing is pending: the pull request can be merged right now. */
  | 'ALREADY_MERGEABLE';

/**
 * A failed Git host call. `retryable` says whether the same event can succeed later (5xx,
 * throttling, network, a token that expired mid-flight), so the worker returns it to the queue
 * instead of dropping it. `ABORTED` is not: the caller gave the work up (shutdown, a failed
 * sibling request) and hands its events back itself.
 */
export class GitHostError extends ImageUpdaterError {
  readonly status: number | undefined;

  constructor(
    readonly code: GitHostErrorCode,
    message: string,
    options: { readonly status?: number; readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, { retryable: options.retryable ?? false, cause: options.cause });
    this.status = options.status;
  }
}
