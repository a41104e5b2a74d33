/**
 * "Closed means no" (SPEC §6): an updater PR that a person closed unmerged stops its proposal,
 * and every tag not above it, from being proposed again for its policy or group. The memory is
 * the closed PR itself: its state marker, read from the page of closed PRs `readState` lists.
 * Our own closes carry `closed: retired` (written by the closing request, `close-pull.ts`); a
 * person's close is answered once, with a comment and `closed: ignored` in the marker. Reopening
 * the PR makes it an open PR of ours again, and the page no longer lists it.
 */
import type { Config, Policy } from '../config.ts';
import type { PullRequestInfo, RepoClient } from '../../ports/git-host.ts';
import { covers, type IgnoredTarget, type PolicyDecision } from '../plan/decide.ts';
import { unitKey } from '../plan/units.ts';
import { compareTags } from '../tags/index.ts';
import { inlineCode, markdownText } from './markdown.ts';
import { keyOfBranch } from './open-pulls.ts';
import { readPrState, withState, type PrState } from './pr-state.ts';
import type { UnitReport } from './report.ts';
import { defined } from '../../objects.ts';

/** A PR of ours closed unmerged by someone else; `state.closed` unset until it is answered. */
export interface ClosedPull {
  readonly key: string;
  readonly pull: PullRequestInfo;
  readonly state: PrState;
}

/** The closed PRs that say "no": ours (a state for the branch's unit), unmerged, not retired. */
export function readClosedPulls(pulls: readonly PullRequestInfo[]): ClosedPull[] {
  return pulls.flatMap((pull) => {
    const state = pull.merged ? undefined : readPrState(pull.body);
    const key = keyOfBranch(pull.headRef);
    return state && state.key === key && state.closed !== 'retired' ? [{ key, pull, state }] : [];
  });
}

/** Per policy: the greatest tag a closed PR of its unit proposed (the most recent when unordered). */
export function ignoredTargets(config: Config, closed: readonly ClosedPull[]): Map<string, IgnoredTarget> {
  const result = new Map<string, IgnoredTarget>();
  for (const p of config.policies) {
    const key = unitKey(p);
    // The page is newest first: an unordered tag keeps the most recent close.
    for (const { pull, state } of closed.filter((c) => c.key === key)) {
      const proposal = state.policies[p.name];
      if (!proposal) continue;
      const best = result.get(p.name);
      if (best && !((compareTags(p, proposal.tag, best.tag) ?? 0) > 0)) continue;
      result.set(p.name, { tag: proposal.tag, ...defined({ digest: proposal.digest }), pull: pull.number });
    }
  }
  return result;
}

/**
 * What the unit's branch holds when its most recent closed PR was left as the updater wrote it:
 * the branch a newer tag goes on, fast-forward (`open-pr` with a leftover). Moved or deleted
 * since, the executor finds out from the refused move and takes the usual path.
 */
export function closedBranchHead(closed: readonly ClosedPull[], key: string): PrState | undefined {
  const last = closed.find((c) => c.key === key);
  return last && last.pull.headSha === last.state.commit ? last.state : undefined;
}

/** The writes `answerClosed` may send for one PR: a comment and the marker. */
export const ANSWER_COST = 2;

/**
 * Answers a person's close, once: the policies whose proposal the base branch does not have yet
 * are ignored from now on, and the comment says so and how to undo it. When the base branch has
 * everything the PR proposed (merged by hand), the close is not a "no": the marker says retired.
 */
export async function answerClosed(
  client: RepoClient,
  closed: ClosedPull,
  policies: readonly Policy[],
  decisions: readonly PolicyDecision[],
  dashboard: boolean,
): Promise<UnitReport | undefined> {
  const { pull, state } = closed;
  const held = policies.filter((p) => {
    const proposal = state.policies[p.name];
    const from = decisions.find((d) => d.policy === p)?.from;
    return proposal !== undefined && !(from && covers(p, from, proposal));
  });
  if (held.length === 0) {
    await client.updatePull(pull.number, { body: withState(pull.body, { ...state, closed: 'retired' }) });
    return undefined;
  }
  const lines = held.map(
    (p) => `- ${markdownText(p.name)}: ${inlineCode(state.policies[p.name]?.tag ?? '')} and older tags`,
  );
  await client.comment(
    pull.number,
    [
      'This pull request was closed without merging, so image-updater will not propose these versions again:',
      '',
      ...lines,
      '',
      `A newer tag opens a new pull request. To undo, reopen this pull request: image-updater then updates it as usual${
        dashboard ? '; or tick its line in the dashboard issue to have it proposed again in a new one' : ''
      }.`,
    ].join('\n'),
  );
  await client.updatePull(pull.number, { body: withState(pull.body, { ...state, closed: 'ignored' }) });
  return {
    key: closed.key,
    branch: pull.headRef,
    action: 'ignored',
    pull: pull.number,
    updates: [],
    detail: `closed unmerged: ${held.map((p) => `${p.name} ${state.policies[p.name]?.tag ?? ''}`).join(', ')} not proposed again`,
  };
}

/**
 * Lifts the "no" of the closed PRs that hold these policies back (a box ticked on the
 * dashboard): their markers say retired, one write each, and the closed PRs left are returned.
 * For a group, the closed PR's "no" is lifted for all of its policies.
 */
export async function liftClosed(
  client: RepoClient,
  closed: readonly ClosedPull[],
  policies: readonly Policy[],
): Promise<ClosedPull[]> {
  const lifted = closed.filter((c) =>
    policies.some((p) => unitKey(p) === c.key && p.name in c.state.policies),
  );
  await Promise.all(
    lifted.map((c) => {
      const retire = () =>
        client.updatePull(c.pull.number, { body: withState(c.pull.body, { ...c.state, closed: 'retired' }) });
      return client.reserveWrites ? client.reserveWrites(1, retire) : retire();
    }),
  );
  return closed.filter((c) => !lifted.includes(c));
}
