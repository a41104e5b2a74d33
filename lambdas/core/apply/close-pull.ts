/** Retiring an updater PR: said why in a comment, closed, its branch deleted. */
import type { PullRequestInfo, RepoClient } from '../../ports/git-host.ts';
import { withState, type PrState } from './pr-state.ts';

/** The writes `closePull` sends: comment, close (with the state marked retired), delete the branch. */
export const CLOSE_COST = 3;

/**
 * The close carries `closed: retired` in the body's state, in the same request: a later read of
 * the closed PRs tells the updater's own closes from a person's "not this version".
 */
export async function closePull(
  client: RepoClient,
  pull: PullRequestInfo,
  state: PrState,
  why: string,
): Promise<void> {
  await client.comment(pull.number, why);
  await client.updatePull(pull.number, {
    state: 'closed',
    body: withState(pull.body, { ...state, closed: 'retired' }),
  });
  await client.deleteBranch(pull.headRef);
}
