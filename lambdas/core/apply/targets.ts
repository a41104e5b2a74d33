/** What a unit's branch should propose, and whether an event can change that at all. */
import type { Policy } from '../config.ts';
import { decide, type PolicyDecision, type PolicyTarget } from '../plan/decide.ts';
import type { policyReferences } from '../plan/scan.ts';
import type { UnitTarget } from '../plan/units.ts';
import { compareTags, type TagCandidate } from '../tags/index.ts';
import { defined } from '../../objects.ts';

/** Whether an open PR already proposes at least what these candidates offer. */
export function cannotImprove(
  policy: Policy,
  candidates: readonly TagCandidate[],
  proposal: PolicyTarget | undefined,
): boolean {
  if (!proposal || policy.allowDowngrade) return false;
  return candidates.every((c) => {
    if (policy.strategy === 'digest')
      return c.tag !== policy.track || c.digest === undefined || c.digest === proposal.digest;
    const order = compareTags(policy, c.tag, proposal.tag);
    return order !== undefined && order <= 0;
  });
}

/**
 * What a unit's branch should propose: each member's new decision, or else what its open PR
 * already proposes while that is still ahead of the base branch (so one image's push never
 * drops another image's pending update from a group PR).
 */
export function unitTargets(
  policies: readonly Policy[],
  decisions: readonly PolicyDecision[],
  proposed: ReadonlyMap<string, PolicyTarget>,
  referencesOf: (p: Policy) => ReturnType<typeof policyReferences> extends Map<string, infer R> ? R : never,
): UnitTarget[] {
  const targets: UnitTarget[] = [];
  for (const policy of policies) {
    const d = decisions.find((x) => x.policy === policy);
    if (d?.outcome === 'update' && d.to && d.updateType) {
      targets.push({
        policy,
        to: d.to,
        ...defined({ from: d.from, promotion: d.promotion }),
        updateType: d.updateType,
      });
      continue;
    }
    // A promotion proposes what its source runs now, never an older proposal the source left:
    // its open PR is kept while it proposes what the source runs (the decision then says "up to
    // date", the PR being the floor), or while a gate (`promote.after`, `when: healthy`) holds
    // what the source runs now (the PR passed the gates).
    const open = proposed.get(policy.name);
    const target = d?.promotion?.target;
    const runs = open && target && open.tag === target.tag && open.digest === target.digest;
    const gated = d?.outcome === 'held' && target !== undefined;
    const proposal = policy.promote && !runs && !gated ? undefined : open;
    if (!proposal) continue;
    const still = decide({
      policy,
      references: referencesOf(policy),
      candidates: [proposal],
      ageGate: false,
    });
    if (still.outcome === 'update' && still.to && still.updateType) {
      targets.push({
        policy,
        to: still.to,
        ...defined({ from: still.from }),
        updateType: still.updateType,
      });
    }
  }
  return targets;
}
