import type { GitHostErrorCode } from '../../ports/git-host-errors.ts';

/** The shape of a Git host error the core may inspect (a `GitHostError`, or anything else thrown). */
export interface GitHostErrorLike {
  readonly code?: GitHostErrorCode | string;
  readonly status?: number;
  readonly message?: string;
}

/** Another writer was first: the branch, or a pull request for it, exists already. */
export function isAlreadyExists(error: GitHostErrorLike | undefined): boolean {
  return error?.code === 'ALREADY_EXISTS';
}
