/**
 * The decision for one policy: which tag (and digest) it should be at, given what the files say
 * now, what an open PR already proposes, and the candidates the push (and the tag list) offer.
 */
import type { Policy } from '../config.ts';
import { canonicalImageName, SHA256_DIGEST } from '../image/reference.ts';
import type { ManifestReference } from '../manifest/index.ts';
import type { PushedImage } from '../push.ts';
import {
  classifyUpdate,
  compareTags,
  selectTag,
  type SelectionResult,
  type TagCandidate,
  type UpdateType,
} from '../tags/index.ts';
import type { Verdict } from '../verify/types.ts';
import { defined } from '../../objects.ts';
import { gateByAge, hasReleaseAge, heldAbove, instant, type HeldCandidate } from './release-age.ts';
import type { Promotion } from './promote.ts';

export interface PolicyTarget {
  readonly tag: string;
  readonly digest?: string;
  readonly pushedAt?: Date;
}

type DecisionOutcome = 'update' | 'up-to-date' | 'no-candidate' | 'no-references' | 'held';

export interface PolicyDecision {
  readonly policy: Policy;
  readonly outcome: DecisionOutcome;
  /** One sentence a user reads in the plan output or the logs. */
  readonly reason: string;
  /** What the files on the base branch are at now (the greatest of the policy's references). */
  readonly from?: PolicyTarget;
  /** What the decision had to beat: `from`, or the open PR's proposal when that is greater. */
  readonly floor?: PolicyTarget;
  readonly to?: PolicyTarget;
  readonly updateType?: UpdateType;
  readonly selection?: SelectionResult;
  /** Set when a closed PR held candidates back (see `DecideInput.ignored`). */
  readonly ignored?: IgnoredTarget;
  /** A candidate above `to` (or the floor) that `minimumReleaseAge` holds, and until when. */
  readonly held?: HeldCandidate;
  /** The signature check of `to`, for a policy with `verify` (`core/verify/gate.ts`). */
  readonly signature?: Verdict;
  /** A promote policy's source, what it runs and since when (`promote.ts`). */
  readonly promotion?: Promotion;
}

export interface DecideInput {
  readonly policy: Policy;
  /** The policy's references on the base branch. */
  readonly references: readonly ManifestReference[];
  /** Tags on offer: pushes of the policy's image, and the registry's tag list when listed. */
  readonly candidates: readonly TagCandidate[];
  /** What the policy's open PR already proposes; it raises the floor so a PR never moves back. */
  readonly proposed?: PolicyTarget;
  /**
   * What a PR closed unmerged by a person proposed: that candidate and every one not above it is
   * not proposed again ("closed means no"); a newer one is.
   */
  readonly ignored?: IgnoredTarget;
  /** The time `minimumReleaseAge` is measured at; without it every gated candidate is held. */
  readonly now?: Date;
  /** False for an open PR's proposal, which passed the gate when it was made. */
  readonly ageGate?: false;
}

/** A closed PR's proposal, and the PR, for the reason a user reads. */
export interface IgnoredTarget extends PolicyTarget {
  readonly pull: number;
}

/** Whether a policy follows the pushed image (registry defaults and case of the host normalised). */
export function policyWatches(policy: Policy, image: string): boolean {
  const watched = canonicalImageName(policy.image);
  return watched !== undefined && watched === canonicalImageName(image);
}

/**
 * Policies that cannot decide safely from a single event and need the registry's tag list:
 * `newest` orders by push time (the current tag's time comes from the list), `digest` follows
 * where the tracked tag points now (an event can be late or replayed), and a `pin: digest`
 * reference has lost its tag, which is found again by its digest.
 */
export function needsTagList(policy: Policy): boolean {
  return policy.strategy === 'newest' || policy.strategy === 'digest' || policy.pin === 'digest';
}

export function decide(input: DecideInput): PolicyDecision {
  const { policy, references } = input;
  if (references.length === 0) {
    return {
      policy,
      outcome: 'no-references',
      reason: `no reference to ${policy.image} in the policy's files`,
    };
  }
  const current = currentTargets(references, input.candidates);
  if (!policy.allowDowngrade && !input.proposed) {
    // Without a floor anything would do, including an older image: refuse instead.
    const lost = current.find((c) => c.tag === undefined && c.digest !== undefined);
    if (lost) {
      return {
        policy,
        outcome: 'no-candidate',
        reason: `the tag of the pinned digest ${lost.digest} is unknown (no listed tag has it), so no update can be proven newer`,
      };
    }
  }
  const from = floorOf(policy, current);
  const floor = floorOf(policy, current, input.proposed);
  if (
    policy.strategy === 'newest' &&
    !policy.allowDowngrade &&
    floor?.tag !== undefined &&
    floor.pushedAt === undefined
  ) {
    return {
      policy,
      outcome: 'no-candidate',
      reason: `the push time of the current tag ${floor.tag} is unknown, so no tag can be proven newer`,
      ...defined({ from }),
      floor,
    };
  }
  const ignored = input.ignored;
  const candidates = ignored
    ? input.candidates.filter((c) => !closedAgainst(policy, c, ignored))
    : input.candidates;
  // Said only when it mattered: a closed tag at or below the floor held nothing back.
  const held =
    ignored && candidates.length < input.candidates.length && !(floor && covers(policy, floor, ignored))
      ? ignored
      : undefined;
  const ages = input.ageGate === false ? undefined : policy.minimumReleaseAge;
  // The newest candidate old enough is chosen (Renovate's rule); a newer one held says until when.
  const gate = hasReleaseAge(ages) ? gateByAge(policy, ages, candidates, from?.tag, input.now) : undefined;
  const selection = selectTag(policy, gate ? gate.aged : candidates, optionsAt(floor));
  const chosen = selection.chosen;
  const young = gate && heldAbove(policy, gate, optionsAt(chosen ?? floor));
  if (!chosen && young) {
    return {
      policy,
      outcome: 'held',
      reason: `held: ${young.reason}`,
      ...defined({ from, floor }),
      selection,
      held: young,
    };
  }
  if (!chosen) {
    const outcome = selection.outcome === 'up-to-date' ? 'up-to-date' : 'no-candidate';
    return {
      policy,
      outcome,
      reason: held
        ? `held: ${held.tag} and older were closed unmerged in #${held.pull} (reopen it to undo); a newer tag opens a new pull request`
        : selection.reason,
      ...defined({ from, floor, ignored: held }),
      selection,
    };
  }
  const to: PolicyTarget = {
    tag: chosen.tag,
    ...defined({ digest: chosen.digest, pushedAt: chosen.pushedAt }),
  };
  // Measured from the base branch: that is the change a merge makes.
  const updateType = classifyUpdate(policy, from?.tag, to.tag, from?.digest, to.digest);
  const change = from ? `${from.tag} → ${to.tag}` : `→ ${to.tag}`;
  const reason =
    updateType === 'other'
      ? `${change}; ${policy.strategy}: update type other, automerge only with \`all\``
      : change;
  return {
    policy,
    outcome: 'update',
    // Update types come from semver; say so where a reader would expect calver to have one.
    reason: young ? `${reason}; ${heldNote(young)}` : reason,
    ...defined({ from, floor }),
    to,
    updateType,
    selection,
    ...defined({ held: young }),
  };
}

function optionsAt(at: PolicyTarget | undefined) {
  return {
    ...(at?.tag !== undefined ? { current: at.tag } : {}),
    ...(at?.digest !== undefined ? { currentDigest: at.digest } : {}),
    ...(at?.pushedAt !== undefined ? { currentPushedAt: at.pushedAt } : {}),
  };
}

/** What the plan and the dashboard say of a held candidate beside an applied one. */
function heldNote(h: HeldCandidate): string {
  return h.due ? `${h.tag} held until ${instant(h.due)}` : `${h.tag} held (push time unknown)`;
}

/**
 * Whether a closed PR's "no" covers a candidate: the same digest for `digest` (it follows one
 * mutable tag), else the same tag or one the policy orders below it (`newest` orders by push
 * time, which the closed PR does not record: only its own tag is covered).
 */
function closedAgainst(policy: Policy, candidate: TagCandidate, ignored: PolicyTarget): boolean {
  if (policy.strategy === 'digest')
    return ignored.digest !== undefined && candidate.digest === ignored.digest;
  if (candidate.tag === ignored.tag) return true;
  const order = compareTags(policy, candidate.tag, ignored.tag);
  return order !== undefined && order <= 0;
}

/** Whether `at` (what the files hold) is already at or above a closed PR's proposal. */
export function covers(policy: Policy, at: PolicyTarget, proposal: PolicyTarget): boolean {
  if (policy.strategy === 'digest') return proposal.digest !== undefined && at.digest === proposal.digest;
  if (at.tag === proposal.tag) return true;
  const order = compareTags(policy, at.tag, proposal.tag);
  return order !== undefined && order >= 0;
}

/**
 * A push as a candidate. A digest that is not `sha256:` + 64 hex is dropped: it could never be
 * written, and keeping it would block the tag update of references that pin no digest.
 */
export function candidateFromPush(push: PushedImage): TagCandidate {
  return {
    tag: push.tag,
    ...(push.digest !== undefined && SHA256_DIGEST.test(push.digest) ? { digest: push.digest } : {}),
    ...defined({ pushedAt: push.pushedAt }),
  };
}

/** One candidate per tag; a push is newer information than a listed tag, so it wins. */
export function mergeCandidates(
  listed: readonly TagCandidate[],
  pushed: readonly TagCandidate[],
): TagCandidate[] {
  const byTag = new Map<string, TagCandidate>();
  for (const c of [...listed, ...pushed]) {
    const prev = byTag.get(c.tag);
    byTag.set(c.tag, prev ? { ...prev, ...c } : c);
  }
  return [...byTag.values()];
}

/**
 * What the references hold, completed from the candidates: a digest-only reference (`pin:
 * digest`) gets the tag the registry lists for that digest, and every tag its push time, which
 * `newest` and `digest` order by.
 */
function currentTargets(
  references: readonly ManifestReference[],
  candidates: readonly TagCandidate[],
): { tag?: string; digest?: string; pushedAt?: Date }[] {
  return references
    .filter((r) => r.tag !== undefined || r.digest !== undefined)
    .map((r) => {
      const known =
        r.tag !== undefined
          ? candidates.find((c) => c.tag === r.tag && (r.digest === undefined || c.digest === r.digest))
          : candidates.find((c) => c.digest === r.digest);
      const tag = r.tag ?? known?.tag;
      return {
        ...defined({ tag, digest: r.digest }),
        ...(known?.pushedAt !== undefined ? { pushedAt: known.pushedAt } : {}),
      };
    });
}

/**
 * The greatest tag the repository is at or has proposed. References the policy cannot order
 * (`latest` under semver) do not count: they would otherwise block every update.
 */
function floorOf(
  policy: Policy,
  current: readonly { tag?: string; digest?: string; pushedAt?: Date }[],
  proposed?: PolicyTarget,
): PolicyTarget | undefined {
  const targets = current.filter((c): c is PolicyTarget => c.tag !== undefined);
  if (proposed) targets.push(proposed);
  let best: PolicyTarget | undefined;
  for (const c of targets) {
    if (!best) {
      best = c;
      continue;
    }
    const order =
      policy.strategy === 'newest' && c.pushedAt && best.pushedAt
        ? c.pushedAt.getTime() - best.pushedAt.getTime()
        : compareTags(policy, c.tag, best.tag);
    if (order === undefined) {
      if (compareTags(policy, best.tag, best.tag) === undefined) best = c;
    } else if (order > 0 || (order === 0 && c === proposed)) best = c;
  }
  return best;
}

/** A decision as the plan output and the logs show it: names and tags, not the resolved objects. */
export function decisionSummary(d: PolicyDecision): {
  policy: string;
  outcome: DecisionOutcome;
  reason: string;
  from?: string;
  to?: string;
  updateType?: UpdateType;
  held?: { tag: string; until?: string };
} {
  return {
    policy: d.policy.name,
    outcome: d.outcome,
    reason: d.reason,
    ...(d.from ? { from: d.from.tag } : {}),
    ...(d.to ? { to: d.to.tag } : {}),
    ...(d.updateType ? { updateType: d.updateType } : {}),
    ...(d.held ? { held: { tag: d.held.tag, ...(d.held.due ? { until: instant(d.held.due) } : {}) } } : {}),
  };
}
