import { ImageUpdaterError } from '../../errors.ts';
import type { PrState } from './pr-state.ts';

/**
 * Another writer moved a branch or opened the PR between our read and our write. The attempt
 * is rebuilt on the new state; once the attempts run out, the event goes back to the queue.
 */
export class ConcurrentUpdateError extends ImageUpdaterError {
  readonly code = 'CONCURRENT_UPDATE';

  constructor(
    message: string,
    cause?: unknown,
    /** An updater branch found without an open PR: what its head proposes, for the next attempt. */
    readonly branchHead?: PrState,
  ) {
    super(message, { retryable: true, cause });
  }
}

/** The base branch a policy names does not exist: nothing can be proposed against it. */
export class BaseBranchMissingError extends ImageUpdaterError {
  readonly code = 'BASE_BRANCH_MISSING';

  constructor(readonly branch: string) {
    super(`base branch ${branch} does not exist`);
  }
}
