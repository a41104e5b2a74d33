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
    const cycle = cycleFrom(policies, index);
    if (cycle) issues.push({ path: at, message: `promotion cycle: ${cycle.join(' → ')}` });
    const root = rootOf(policies, index);
    if (root?.strategy === 'digest' && policy.pin === 'tag') {
      issues.push({
        path: ['policies', index, 'pin'],
        message: `"${root.name}" follows a digest (strategy digest): pin tag would drop it; use pin digest or tag+digest`,
      });
    }
  });
  return issues;
}

type Named = Pick<RawConfig['policies'][number], 'name' | 'promote'>;

/** The names along the chain from `index` back to itself, when it is a cycle. */
function cycleFrom(policies: readonly Named[], index: number): string[] | undefined {
  const start = policies[index]!;
  const names = [start.name];
  let current: Named | undefined = start;
  for (let step = 0; step < policies.length && current?.promote; step++) {
    const next = policies.find((p) => p.name === current!.promote!.from);
    if (!next) return undefined;
    names.push(next.name);
    if (next.name === start.name) return names;
    current = next;
  }
  return undefined;
}

/** The first policy of the chain (the one that follows the registry), when there is one. */
function rootOf<P extends Named>(policies: readonly P[], index: number): P | undefined {
  let current: P | undefined = policies[index];
  for (let step = 0; step <= policies.length && current?.promote; step++) {
    const from: string = current.promote.from;
    current = policies.find((p) => p.name === from);
  }
  return current?.promote ? undefined : current;
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
  return policies.map((policy, index) => {
    if (!policy.promote) return policy;
    const root = rootOf(policies, index);
    if (!root) return policy;
    const { layout: _layout, track: _track, ...rest } = policy;
    return {
      ...rest,
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
