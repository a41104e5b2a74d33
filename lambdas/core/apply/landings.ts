/**
 * Where a promotion's source change came from (docs/promotion.md): the merged updater PR of the
 * source's unit that proposed what the source runs now, from the page of closed PRs every run
 * reads anyway, so finding it costs no request. A change made otherwise (a direct commit, a
 * person's edit) or one whose PR left that page has no landing: the PR says so.
 */
import type { PullRequestInfo } from '../../ports/git-host.ts';
import type { LandingLookup } from '../plan/promote.ts';
import { branchFor, unitKey } from '../plan/units.ts';
import { readPrState } from './pr-state.ts';
import { defined } from '../../objects.ts';

export function landingsOf(pulls: readonly PullRequestInfo[]): LandingLookup {
  return (from, target) => {
    const branch = branchFor(unitKey(from));
    // The page is most recently updated first: the latest merge of that proposal wins.
    for (const pull of pulls) {
      if (!pull.merged || pull.headRef !== branch) continue;
      const proposal = readPrState(pull.body)?.policies[from.name];
      if (!proposal || proposal.tag !== target.tag) continue;
      if (target.digest !== undefined && proposal.digest !== target.digest) continue;
      return { pull: pull.number, ...defined({ commit: pull.mergeCommitSha, at: pull.mergedAt }) };
    }
    return undefined;
  };
}
