/**
 * Creating requests GitHub has no idempotency key for (an issue comment, an issue). The retry
 * plugin would send one again after a 5xx or a lost connection, and when GitHub had applied the
 * first (a gateway's 502 after the write, a reset while the answer was on its way) both land.
 * So these go out with the plugin's per-request `retries: 0`, and after an answer that leaves
 * open whether GitHub applied them, what they would have created is looked up before anything is
 * sent again.
 *
 * Requests that are safe to resend keep the plugin's retries: GitHub refuses a second pull
 * request for the same head and a second ref of the same name (422, handled by the caller);
 * adding labels and requesting reviewers are idempotent; trees and commits are content-addressed
 * objects that nothing refers to until a ref moves.
 */
import type { GitHostError, GitHostErrorCode } from '../../ports/git-host-errors.ts';
import { toGitHostError } from './errors.ts';

/** `request` option of `@octokit/plugin-retry` for one request: no automatic resend. */
export const NO_RESEND = { retries: 0 } as const;

/** Failures after which the request may or may not have been applied: no answer, or a 5xx. */
const AMBIGUOUS: ReadonlySet<GitHostErrorCode> = new Set(['GITHUB_SERVER_ERROR', 'GITHUB_UNREACHABLE']);

/**
 * Sends at most: the first, and one more when the look-up found nothing. Further attempts are the
 * caller's (the unit's next attempt, the queue's redelivery), each starting from a fresh read.
 */
const SENDS = 2;

/**
 * `send` (which must pass `NO_RESEND`), and after an ambiguous failure `find`, which answers what
 * the send created if it is there. A failed look-up leaves the outcome unknown: the send's
 * failure is thrown and nothing is sent again.
 */
export async function createOnce<T>(
  what: string,
  send: () => Promise<T>,
  find: () => Promise<T | undefined>,
): Promise<T> {
  let failure: GitHostError | undefined;
  for (let sent = 0; sent < SENDS; sent++) {
    try {
      return await send();
    } catch (error) {
      failure = toGitHostError(error, what);
      if (!AMBIGUOUS.has(failure.code)) throw failure;
    }
    let found: T | undefined;
    try {
      found = await find();
    } catch {
      throw failure;
    }
    if (found !== undefined) return found;
  }
  throw failure as GitHostError;
}
