/**
 * Selection for the strategies that order tags (all but `digest`), in two passes that must agree:
 * - `findWinner` answers what the worker needs (the choice) without judging every tag: a tag
 *   whose key orders below the best so far can't win, so the filters and the range only run on
 *   tags that could;
 * - `explainOrdered` judges every tag once and says why each lost: what `--json` and the
 *   `rejected` list show, and the reference `findWinner` is tested against.
 */
import { isValidTag } from '../image/reference.ts';
import { plural, rejection, summariseRejections, supersedes } from './candidates.ts';
import type { CompiledPolicy } from './compile.ts';
import { isDigestOrAbsent, isOciTag, isReferrerTag, screenTag } from './filter.ts';
import { isSkip, skip } from './skip.ts';
import type { ChosenTag, Rejection, SelectionResult, SelectOptions, TagCandidate } from './types.ts';
import { classifyUpdate } from './update-type.ts';

const IGNORED = skip('ignored');
const INVALID_DIGEST = skip('invalid-digest');
const IS_CURRENT = skip('is-current');
const NOT_ABOVE_CURRENT = skip('not-above-current');
const NOT_GREATEST = skip('not-greatest');

/** The eager part of a result: everything but `considered` and `rejected`. */
export type Decision = Omit<SelectionResult, 'considered' | 'rejected'>;

interface Floor {
  readonly current: string | undefined;
  /** Undefined when there is no current tag or the policy can't order it. */
  readonly key: unknown;
  readonly version: string | undefined;
  /** How the current tag is written, for ties between spellings. */
  readonly shape: string | undefined;
}

/** How a tag is written, digit runs aside: `v1.2.3` and `v1.2.4` are written alike, `1.2.4` is not. */
function shapeOf(tag: string): string {
  return tag.replace(/\d+/g, '0');
}

/** The entry a tag listed several times stands for (`uniqueCandidates`' rule), or undefined. */
function mergedEntry(candidates: readonly TagCandidate[], tag: string): TagCandidate | undefined {
  let found: TagCandidate | undefined;
  for (const c of candidates) if (c.tag === tag && (found === undefined || supersedes(c, found))) found = c;
  return found;
}

/** The floor. A current tag the policy can't read (`latest` under semver) is no floor at all. */
function readFloor(
  compiled: CompiledPolicy,
  candidates: readonly TagCandidate[],
  options: SelectOptions,
): Floor {
  const { current } = options;
  const none = { current, key: undefined, version: undefined, shape: current && shapeOf(current) };
  if (current === undefined || !isValidTag(current)) return none;
  const version = compiled.filter.versionOf(current);
  if (isSkip(version)) return none;
  // Only `newest` orders by push time; the lookup is a scan, so skip it for the others.
  const pushedAt =
    options.currentPushedAt ??
    (compiled.policy.strategy === 'newest' ? mergedEntry(candidates, current)?.pushedAt : undefined);
  const key = compiled.strategy!.read(version, { pushedAt });
  return isSkip(key) ? none : { ...none, key, version };
}

/**
 * Whether tag `a` (key `ka`) is preferred to `b` (key `kb`). Equal keys (`v1.2.3` and `1.2.3`):
 * the spelling of the current tag, then the greater tag in code-point order; a rule on the tags,
 * never on their positions in the input.
 */
function prefers(
  compiled: CompiledPolicy,
  floor: Floor,
  ka: unknown,
  a: string,
  kb: unknown,
  b: string,
): boolean {
  const order = compiled.strategy!.compare(ka, kb);
  if (order !== 0) return order > 0;
  if (floor.shape !== undefined) {
    const sa = shapeOf(a) === floor.shape;
    if (sa !== (shapeOf(b) === floor.shape)) return sa;
  }
  return a > b;
}

/** From the best allowed tag (if any) and the floor to the outcome, the choice and the sentence. */
function decide(
  compiled: CompiledPolicy,
  floor: Floor,
  best: TagCandidate | undefined,
  bestKey: unknown,
  options: SelectOptions,
): { decision: Decision; chosen: boolean; vsFloor: number } {
  const { policy } = compiled;
  const { current } = floor;
  const orderable = floor.key !== undefined;
  const base = current === undefined ? {} : { current, currentOrderable: orderable };
  if (best === undefined) {
    return { decision: { outcome: 'no-candidate', reason: '', ...base }, chosen: false, vsFloor: 0 };
  }
  const vsFloor = orderable ? compiled.strategy!.compare(bestKey, floor.key) : 1;
  if (!(vsFloor > 0 || (vsFloor < 0 && policy.allowDowngrade))) {
    const reason =
      vsFloor === 0
        ? `${current} is already the greatest allowed tag`
        : `${current} orders above every allowed tag (the greatest is ${best.tag}); image-updater does not downgrade without allowDowngrade`;
    return { decision: { outcome: 'up-to-date', reason, best: best.tag, ...base }, chosen: false, vsFloor };
  }
  const chosen: ChosenTag = {
    tag: best.tag,
    ...(best.digest !== undefined ? { digest: best.digest } : {}),
    ...(best.pushedAt !== undefined ? { pushedAt: best.pushedAt } : {}),
    updateType: orderable
      ? classifyUpdate(policy, current, best.tag, options.currentDigest, best.digest)
      : 'other',
  };
  const reason =
    current === undefined
      ? `${best.tag}: the greatest allowed tag`
      : !orderable
        ? `${best.tag}: the greatest allowed tag; the current ${current} is not a version this policy orders`
        : vsFloor > 0
          ? `${best.tag}: the greatest allowed tag, above ${current}`
          : `${best.tag}: the greatest allowed tag, below ${current} (allowDowngrade)`;
  return { decision: { outcome: 'chosen', reason, chosen, best: best.tag, ...base }, chosen: true, vsFloor };
}

/** Re-checks a chosen semver tag with node-semver itself; false sends selection to the reference path. */
function confirmed(compiled: CompiledPolicy, floor: Floor, decision: Decision): boolean {
  const { strategy, filter, policy } = compiled;
  if (decision.chosen === undefined || strategy?.confirm === undefined) return true;
  const guard = floor.key !== undefined && !policy.allowDowngrade;
  return strategy.confirm(filter.versionOf(decision.chosen.tag) as string, guard ? floor.version : undefined);
}

/**
 * The choice alone. Undefined when this pass can't settle it and the full one must: nothing is
 * allowed (the reason then summarises every rejection), the winner has a malformed digest (the
 * next best is needed), or node-semver disagrees with the fast semver path.
 */
export function findWinner(
  compiled: CompiledPolicy,
  candidates: readonly TagCandidate[],
  options: SelectOptions,
): Decision | undefined {
  const { filter } = compiled;
  const strategy = compiled.strategy!;
  const floor = readFloor(compiled, candidates, options);
  let best: TagCandidate | undefined;
  let bestKey: unknown;
  const n = candidates.length;
  for (let step = 0; step < n; step++) {
    // From both ends inwards: registries list oldest or newest first, and either way the
    // greatest tag comes early, so the checks below run on a handful of tags, not on every one
    // that beats those before it (all of them, in a list read from its low end). The winner is
    // a rule on the tags, never on their positions, so the visiting order cannot change it.
    const c = candidates[step & 1 ? n - 1 - (step >> 1) : step >> 1]!;
    const tag = c.tag;
    // The length bound first: no pattern runs over an unbounded (hostile) string.
    if (tag.length === 0 || tag.length > 128) continue;
    const version = filter.versionOf(tag);
    if (isSkip(version)) continue;
    const key = strategy.read(version, c);
    if (isSkip(key)) continue;
    if (best !== undefined) {
      const order = strategy.compare(key, bestKey);
      if (order < 0) continue;
      if (order === 0) {
        if (tag === best.tag ? !supersedes(c, best) : !prefers(compiled, floor, key, tag, bestKey, best.tag))
          continue;
      }
    }
    // It could win: now the checks every allowed tag passes.
    if (!isOciTag(tag) || isReferrerTag(tag) || filter.ignored(tag) || strategy.admit(key) !== undefined)
      continue;
    best = c;
    bestKey = key;
  }
  if (best === undefined || !isDigestOrAbsent(best.digest)) return undefined;
  const { decision } = decide(compiled, floor, best, bestKey, options);
  return confirmed(compiled, floor, decision) ? decision : undefined;
}

/** The tag's sort key, or the first check that refuses it, in the order a user reads them. */
function judge(compiled: CompiledPolicy, entry: TagCandidate): unknown {
  const skipped = screenTag(entry.tag);
  if (skipped !== undefined) return skipped;
  if (compiled.filter.ignored(entry.tag)) return IGNORED;
  const version = compiled.filter.versionOf(entry.tag);
  if (isSkip(version)) return version;
  const key = compiled.strategy!.read(version, entry);
  if (isSkip(key)) return key;
  return compiled.strategy!.admit(key) ?? key;
}

/** Every distinct tag judged once; `confirmed` false when node-semver disagrees with the fast path. */
export function explainOrdered(
  compiled: CompiledPolicy,
  entries: readonly TagCandidate[],
  candidates: readonly TagCandidate[],
  options: SelectOptions,
): { result: SelectionResult; confirmed: boolean } {
  const strategy = compiled.strategy!;
  const rejected: Rejection[] = [];
  // Parallel arrays of the tags the policy allows and their keys.
  const allowed: TagCandidate[] = [];
  const keys: unknown[] = [];
  for (const entry of entries) {
    const judged = judge(compiled, entry);
    if (isSkip(judged)) rejected.push(rejection(entry.tag, judged));
    else {
      allowed.push(entry);
      keys.push(judged);
    }
  }

  const floor = readFloor(compiled, candidates, options);
  // A winner with a malformed digest (an adapter bug) drops out; digests are only checked where
  // one could be written.
  let malformed: Set<number> | undefined;
  const pickBest = (): number => {
    let found = -1;
    for (let i = 0; i < allowed.length; i++) {
      if (malformed?.has(i)) continue;
      if (found < 0 || prefers(compiled, floor, keys[i], allowed[i]!.tag, keys[found], allowed[found]!.tag))
        found = i;
    }
    return found;
  };
  let best = pickBest();
  while (best >= 0 && !isDigestOrAbsent(allowed[best]!.digest)) {
    (malformed ??= new Set()).add(best);
    best = pickBest();
  }

  const { decision, chosen } = decide(compiled, floor, allowed[best], keys[best], options);
  const guard = floor.key !== undefined && !compiled.policy.allowDowngrade;
  for (let i = 0; i < allowed.length; i++) {
    if (i === best && chosen) continue;
    let out = NOT_GREATEST;
    if (malformed?.has(i)) out = INVALID_DIGEST;
    else if (floor.key !== undefined) {
      const vsFloor = strategy.compare(keys[i], floor.key);
      if (vsFloor === 0) out = IS_CURRENT;
      else if (guard && vsFloor < 0) out = NOT_ABOVE_CURRENT;
    }
    rejected.push(rejection(allowed[i]!.tag, out));
  }

  const count = entries.length;
  const reason =
    decision.outcome !== 'no-candidate'
      ? decision.reason
      : count === 0
        ? 'no tags to choose from'
        : `none of ${plural(count, 'tag')} is allowed (${summariseRejections(rejected)})`;
  return {
    result: { ...decision, reason, considered: count, rejected },
    confirmed: confirmed(compiled, floor, decision),
  };
}
