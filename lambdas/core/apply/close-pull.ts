/** Retiring an updater PR: said why in a comment, closed, its branch deleted. */
import type { PullRequestInfo, RepoClient } from '../../ports/git-host.ts';

/** The writes `closePull` sends: comment, close, delete the branch. */
export const CLOSE_COST = 3;

export async function closePull(client: RepoClient, pull: PullRequestInfo, why: string): Promise<void> {
  await client.comment(pull.number, why);
  await client.updatePull(pull.number, { state: 'closed' });
  await client.deleteBranch(pull.headRef);
}
