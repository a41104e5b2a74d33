import type { Skip } from './skip.ts';
import type { RejectReason, Rejection, TagCandidate } from './types.ts';

/**
 * One candidate per tag, in the order first seen. When a tag appears twice (a listing and an
 * event disagree), the later push wins, then the one with a digest, then the greater digest:
 * a rule on the values, so the outcome never depends on input order.
 */
export function uniqueCandidates(candidates: readonly TagCandidate[]): readonly TagCandidate[] {
  // The common case, no duplicates, costs one Set insertion per tag and no copy.
  const seen = new Set<string>();
  for (const candidate of candidates) seen.add(candidate.tag);
  if (seen.size === candidates.length) return candidates;
  const index = new Map<string, number>();
  const entries: TagCandidate[] = [];
  for (const candidate of candidates) {
    const at = index.get(candidate.tag);
    if (at === undefined) {
      index.set(candidate.tag, entries.length);
      entries.push(candidate);
    } else if (supersedes(candidate, entries[at]!)) entries[at] = candidate;
  }
  return entries;
}

function pushTime(c: TagCandidate): number {
  const time = c.pushedAt?.getTime();
  return time === undefined || Number.isNaN(time) ? -Infinity : time;
}

/** Whether `c` replaces `previous` for the same tag: the later push, then a digest, then the greater one. */
export function supersedes(c: TagCandidate, previous: TagCandidate): boolean {
  const a = pushTime(c);
  const b = pushTime(previous);
  if (a !== b) return a > b;
  return (c.digest ?? '') > (previous.digest ?? '');
}

export function rejection(tag: string, s: Skip): Rejection {
  return s.detail === undefined ? { tag, reason: s.skip } : { tag, reason: s.skip, detail: s.detail };
}

const REASON_ORDER: readonly RejectReason[] = [
  'invalid-oci-tag',
  'referrer-tag',
  'not-tracked',
  'ignored',
  'pattern-mismatch',
  'not-a-version',
  'prerelease',
  'out-of-range',
  'no-push-time',
  'no-digest',
  'invalid-digest',
  'is-current',
  'not-above-current',
  'not-greatest',
];

/** "3 prerelease, 2 out-of-range": why nothing was allowed, in pipeline order. */
export function summariseRejections(rejected: readonly Rejection[]): string {
  const counts = new Map<RejectReason, number>();
  for (const r of rejected) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  return REASON_ORDER.filter((r) => counts.has(r))
    .map((r) => `${counts.get(r)} ${r}`)
    .join(', ');
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
