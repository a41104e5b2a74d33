/**
 * `promote.after` (docs/promotion.md): a promotion waits until the source's change has run that
 * long on its base branch, counted from its landing (the merge of the updater PR that brought
 * it, or the last commit that changed the source's file). Pure: the time comes in as `now`.
 */
import type { PolicyDecision } from './decide.ts';
import { formatDuration, instant } from './release-age.ts';
import { defined } from '../../objects.ts';

export interface Soak {
  /** The soak time asked for, ms. */
  readonly after: number;
  /** `landing.at + after`; unset when the landing time is unknown. */
  readonly due?: Date;
  /** How long the source has run it when decided, ms. */
  readonly ran?: number;
  /** Whether the soak is over. */
  readonly done: boolean;
  readonly reason: string;
}

/**
 * `promote.after`: an update is held until the source's change has run that long on its base
 * branch, counted from its landing (`soakOf`). Only an update is held: what a promotion already
 * proposes (its open PR) or runs is not taken back.
 */
export function soaked(decision: PolicyDecision, now: Date | undefined): PolicyDecision {
  const soak = decision.outcome === 'update' ? soakOf(decision, now) : undefined;
  if (!soak || soak.done)
    return soak?.done ? { ...decision, promotion: { ...decision.promotion!, soak } } : decision;
  return held({ ...decision, promotion: { ...decision.promotion!, soak } }, soak.reason, {
    age: soak.after,
    ...defined({ due: soak.due }),
  });
}

/**
 * An update held back by a promotion's gate (`promote.after`, `when: healthy`): nothing to write,
 * the reason said on the dashboard, and `due` when a wake-up is to be set.
 */
export function held(
  decision: PolicyDecision,
  reason: string,
  until: { readonly age: number; readonly due?: Date },
): PolicyDecision {
  const to = decision.to!;
  const { from: _from, floor: _floor, to: _to, updateType: _type, ...rest } = decision;
  return {
    ...rest,
    ...defined({ from: decision.from, floor: decision.floor }),
    outcome: 'held',
    reason: `held: ${reason}`,
    held: {
      tag: to.tag,
      ...defined({ digest: to.digest }),
      updateType: decision.updateType ?? 'other',
      ...until,
      reason,
    },
  };
}

/**
 * Where a promotion stands against its soak time: due at `landing.at + after`. A change whose
 * landing time is unknown (no updater PR found for it) is held: nothing says how long it ran.
 */
function soakOf(
  decision: Pick<PolicyDecision, 'policy' | 'promotion'>,
  now: Date | undefined,
): Soak | undefined {
  const after = decision.policy.promote?.after;
  const promotion = decision.promotion;
  if (!after || !promotion?.target) return undefined;
  const { from, baseBranch, target, landing } = promotion;
  const at = landing?.at;
  const what = `"${from}" runs ${target.tag} on ${baseBranch}`;
  if (!at || Number.isNaN(at.getTime()))
    return {
      after,
      done: false,
      reason: `${what}, landing time unknown: the soak of ${formatDuration(after)} is counted from the merge of the updater pull request that brought it, or the last commit that changed the file`,
    };
  const due = new Date(at.getTime() + after);
  const ran = now ? Math.max(0, now.getTime() - at.getTime()) : 0;
  if (now && due.getTime() <= now.getTime())
    return { after, due, ran, done: true, reason: `${what}; soaked ${formatDuration(after)}` };
  return {
    after,
    due,
    ran,
    done: false,
    reason: `${what} since ${instant(at)}, soaking until ${instant(due)} (promote.after ${formatDuration(after)})`,
  };
}
