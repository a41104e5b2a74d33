/**
 * Where a promotion's source change came from (docs/promotion.md): the merged updater PR of the
 * source's unit merged last, when it proposed what the source runs now, from the page of closed
 * PRs every run reads anyway, so finding it costs no request. A change made otherwise (a direct commit, a
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
    // Only the latest merge of the source's proposals can be what it runs: after a later merge
    // moved it on, an earlier PR's tag came back some other way (a person's rollback), and
    // crediting that PR would claim a time there that never happened.
    let latest: { pull: PullRequestInfo; tag: string; digest: string | undefined } | undefined;
    for (const pull of pulls) {
      if (!pull.merged || pull.headRef !== branch) continue;
      const proposal = readPrState(pull.body)?.policies[from.name];
      if (!proposal) continue;
      if (!latest || mergedLater(pull, latest.pull))
        latest = { pull, tag: proposal.tag, digest: proposal.digest };
    }
    if (!latest || latest.tag !== target.tag) return undefined;
    if (target.digest !== undefined && latest.digest !== target.digest) return undefined;
    const { pull } = latest;
    return { pull: pull.number, ...defined({ commit: pull.mergeCommitSha, at: pull.mergedAt }) };
  };
}

/** `a` merged after `b`; a merge of unknown time counts as older than any known one. */
function mergedLater(a: PullRequestInfo, b: PullRequestInfo): boolean {
  return (a.mergedAt?.getTime() ?? -Infinity) > (b.mergedAt?.getTime() ?? -Infinity);
}
