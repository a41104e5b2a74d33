/**
 * The config rules of `promote: { from }` (docs/promotion.md) that span policies: the source must
 * exist, follow the same image and not lead back (cycles), and a promote policy has no tag
 * selection of its own. Also what a promote policy inherits from the first policy of its chain.
 */
import type { Policy } from '../core/config.ts';
import { canonicalImageName } from '../core/image/reference.ts';
import type { RawConfig } from './schema.ts';

type PathKey = string | number;

export interface PromotionIssue {
  readonly path: readonly PathKey[];
  readonly message: string;
}

/**
 * Keys that select or order tags: a promote policy proposes what its source runs, and orders tags
 * as the chain's first policy does, so setting one of these would be ignored; it is an error.
 */
const SELECTION_KEYS = ['strategy', 'range', 'prerelease', 'tags', 'order', 'layout', 'track'] as const;

/**
 * The problems of the config's promotions. `raw` is the file as read (to tell a key written from
 * a default), `config` the same after the schema.
 */
export function promotionIssues(raw: unknown, config: RawConfig): PromotionIssue[] {
  const policies = config.policies;
  const rawPolicies = (raw as { policies?: unknown[] } | null)?.policies ?? [];
  const byName = new Map(policies.map((p, i) => [p.name, i]));
  const chains = chainsOf(policies);
  const issues: PromotionIssue[] = [];
  policies.forEach((policy, index) => {
    if (!policy.promote) return;
    const written = rawPolicies[index];
    for (const key of SELECTION_KEYS) {
      if (written !== null && typeof written === 'object' && key in written) {
        issues.push({
          path: ['policies', index, key],
          message: `"${key}" does not apply beside promote: the policy proposes what "${policy.promote.from}" runs, and orders tags as the first policy of its chain`,
        });
      }
    }
    if (written !== null && typeof written === 'object' && 'minimumReleaseAge' in written)
      issues.push({
        path: ['policies', index, 'minimumReleaseAge'],
        message: `"minimumReleaseAge" does not apply beside promote: what "${policy.promote.from}" runs already passed its own age; a promotion follows it when it lands`,
      });
    const healthy = policy.promote.when === 'healthy';
    if (healthy && policy.promote.application === undefined)
      issues.push({
        path: ['policies', index, 'promote', 'when'],
        message: `when: healthy needs "application": the source environment as its health reports name it (the Argo CD Application, or the Flux Kustomization or HelmRelease as namespace/name)`,
      });
    if (!healthy && policy.promote.application !== undefined)
      issues.push({
        path: ['policies', index, 'promote', 'application'],
        message: 'application applies only with when: healthy',
      });
    const at = ['policies', index, 'promote', 'from'];
    const from = policy.promote.from;
    const source = byName.get(from);
    if (from === policy.name) {
      issues.push({ path: at, message: 'a policy cannot promote from itself' });
      return;
    }
    if (source === undefined) {
      const others = policies.filter((p) => p.name !== policy.name).map((p) => p.name);
      issues.push({
        path: at,
        message: `unknown policy "${from}"; promote.from names another policy of this file (${others.join(', ')})`,
      });
      return;
    }
    const upstream = policies[source]!;
    if (canonicalImageName(upstream.image) !== canonicalImageName(policy.image)) {
      issues.push({
        path: at,
        message: `"${from}" follows ${upstream.image}, not ${policy.image}: a promotion moves one image between environments`,
      });
    }
    const group = policy.group;
    if (group !== undefined && group === upstream.group) {
      issues.push({
        path: ['policies', index, 'group'],
        message: `"${policy.name}" and "${from}", which it promotes from, cannot share group "${group}": one pull request would update both environments at once`,
      });
    }
    const { cycle, root: rootIndex } = chains[index]!;
    if (cycle) {
      // Bounded: a hostile file's cycle of thousands is named by its ends, not spelled out.
      const shown =
        cycle.length > 8 ? [...cycle.slice(0, 4), `… ${cycle.length - 6} more …`, ...cycle.slice(-2)] : cycle;
      issues.push({ path: at, message: `promotion cycle: ${shown.join(' → ')}` });
    }
    const root = rootIndex === undefined ? undefined : policies[rootIndex];
    if (root?.strategy === 'digest' && policy.pin === 'tag') {
      issues.push({
        path: ['policies', index, 'pin'],
        message: `"${root.name}" follows a digest (strategy digest): pin tag would drop it; use pin digest or tag+digest`,
      });
    }
  });
  return issues;
}

interface Named {
  readonly name: string;
  readonly promote?: { readonly from: string };
}

/** Per policy: the first policy of its chain (its index), or the cycle it is part of. */
interface Chain {
  readonly root?: number;
  readonly cycle?: readonly string[];
}

/**
 * Every policy's chain, in time linear in the number of policies (each `from` is followed once
 * over the whole file), so a file of thousands of chained policies is checked at once.
 */
function chainsOf(policies: readonly Named[]): Chain[] {
  const byName = new Map<string, number>();
  policies.forEach((p, i) => {
    if (!byName.has(p.name)) byName.set(p.name, i);
  });
  const result: (Chain | undefined)[] = new Array<Chain | undefined>(policies.length);
  for (let start = 0; start < policies.length; start++) {
    if (result[start]) continue;
    const path: number[] = [];
    const onPath = new Map<number, number>();
    let at: number | undefined = start;
    let outcome: Chain = {};
    for (;;) {
      if (at === undefined) break; // an unknown source: no chain
      const known: Chain | undefined = result[at];
      if (known) {
        if (!known.cycle) outcome = known;
        break;
      }
      const seen = onPath.get(at);
      if (seen !== undefined) {
        const members = path.slice(seen);
        members.forEach((m, k) => {
          const names = [...members.slice(k), ...members.slice(0, k), m].map((i) => policies[i]!.name);
          result[m] = { cycle: names };
        });
        break;
      }
      const policy: Named = policies[at]!;
      if (!policy.promote) {
        outcome = { root: at };
        break;
      }
      onPath.set(at, path.length);
      path.push(at);
      at = byName.get(policy.promote.from);
    }
    for (const m of path) result[m] ??= outcome;
    result[start] ??= outcome;
  }
  return result.map((c) => c ?? {});
}

/**
 * A promote policy with the ordering of its chain's first policy (strategy, order, layout, track,
 * `tags.pattern`: how its tags compare) and nothing that would filter out what the source runs
 * (any range, pre-releases admitted, no ignore globs). `pin` is its own, defaulting as the
 * first policy's strategy does.
 */
export function withPromotionOrdering(
  policies: readonly Policy[],
  pinWritten: (index: number) => boolean,
): Policy[] {
  const chains = chainsOf(policies);
  const verifyOf = verifiesUpstream(policies);
  return policies.map((policy, index) => {
    if (!policy.promote) return policy;
    const rootIndex = chains[index]?.root;
    const root = rootIndex === undefined ? undefined : policies[rootIndex];
    if (!root) return policy;
    // An age from `defaults` is not a promotion's: what the source runs passed its own.
    const { layout: _layout, track: _track, minimumReleaseAge: _age, ...rest } = policy;
    const verify = verifyOf(policy);
    return {
      ...rest,
      // A source that verifies signatures: what it runs is verified again before it is promoted.
      ...(verify ? { verify } : {}),
      strategy: root.strategy,
      order: root.order,
      ...(root.layout !== undefined ? { layout: root.layout } : {}),
      ...(root.track !== undefined ? { track: root.track } : {}),
      range: '*',
      prerelease: true,
      tags: { ...(root.tags.pattern !== undefined ? { pattern: root.tags.pattern } : {}), ignore: [] },
      pin: pinWritten(index) ? policy.pin : root.strategy === 'digest' ? 'tag+digest' : 'tag',
    };
  });
}

/**
 * Per policy, the `verify` of the nearest policy up its chain that has one (its own first), each
 * chain walked once: linear in the number of policies (cycles are errors already, and stop here).
 */
function verifiesUpstream(policies: readonly Policy[]): (policy: Policy) => Policy['verify'] {
  const byName = new Map(policies.map((p) => [p.name, p]));
  const memo = new Map<string, Policy['verify'] | null>();
  const of = (policy: Policy): Policy['verify'] => {
    const path: Policy[] = [];
    let at: Policy | undefined = policy;
    let found: Policy['verify'] | null = null;
    while (at && !path.includes(at)) {
      const known = memo.get(at.name);
      if (known !== undefined) {
        found = known;
        break;
      }
      path.push(at);
      if (at.verify) {
        found = at.verify;
        break;
      }
      at = at.promote ? byName.get(at.promote.from) : undefined;
    }
    for (const p of path) memo.set(p.name, p.verify ?? found);
    return found ?? undefined;
  };
  return of;
}
