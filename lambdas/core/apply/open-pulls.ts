/**
 * The open updater PRs of a repository, read from the state's first round trip: what each one
 * proposes (its description's state, or its branch head's when the description lags behind).
 */
import type { Config } from '../config.ts';
import type { PullRequestInfo, RepoClient } from '../../ports/git-host.ts';
import type { PolicyTarget } from '../plan/decide.ts';
import { BRANCH_PREFIX, unitKey } from '../plan/units.ts';
import { readCommitState, readPrState, type PrState } from './pr-state.ts';
import { defined } from '../../objects.ts';

/** An open updater PR and its state; `lagging` when the state was read from the branch head. */
export interface OpenPull {
  readonly pull: PullRequestInfo;
  readonly state: PrState | undefined;
  readonly lagging?: boolean;
}

/** The open updater PRs by unit key, with the heads of those in `keys` followed. */
export async function readOpenPulls(
  client: RepoClient,
  pulls: readonly PullRequestInfo[],
  keys: ReadonlySet<string>,
): Promise<Map<string, OpenPull>> {
  const open = new Map<string, OpenPull>();
  for (const pull of pulls) open.set(keyOfBranch(pull.headRef), { pull, state: readPrState(pull.body) });
  await followBranchHeads(client, open, keys);
  return open;
}

/** The unit key an updater branch belongs to. */
export function keyOfBranch(branch: string): string {
  return branch.slice(BRANCH_PREFIX.length).replace(/\//g, ':');
}

/**
 * A PR whose branch head is not the commit its description names: when the head is our own
 * commit (a worker stopped between moving the branch and updating the PR, or two updates
 * crossed), the head's trailer is the state, so no worker ever proposes less than the branch
 * holds. One more round trip, only in that case; someone else's head is left to the unit's action.
 */
async function followBranchHeads(
  client: RepoClient,
  pulls: Map<string, OpenPull>,
  keys: ReadonlySet<string>,
): Promise<void> {
  const followed = await Promise.all(
    [...pulls].map(async ([key, open]): Promise<[string, OpenPull] | undefined> => {
      const state = open.state;
      const headSha = open.pull.headSha;
      if (!keys.has(key) || !state || state.commit === headSha || state.blockedAt === headSha)
        return undefined;
      const head = await client.readCommit(headSha);
      const recovered = head && readCommitState(head.message, key, head.sha);
      return recovered ? [key, { ...open, state: recovered, lagging: true }] : undefined;
    }),
  );
  for (const entry of followed) if (entry) pulls.set(...entry);
}

/** What each policy's open PR (or, failing that, a leftover branch of its unit) proposes. */
export function proposals(
  config: Config,
  pulls: ReadonlyMap<string, OpenPull>,
  leftovers: ReadonlyMap<string, PrState>,
): Map<string, PolicyTarget> {
  const result = new Map<string, PolicyTarget>();
  for (const p of config.policies) {
    const key = unitKey(p);
    const proposal = (pulls.get(key)?.state ?? leftovers.get(key))?.policies[p.name];
    if (proposal)
      result.set(p.name, {
        tag: proposal.tag,
        ...defined({ digest: proposal.digest }),
      });
  }
  return result;
}
