/**
 * `digest`: follow the digest of one mutable tag (`track`). The choice is the tracked tag with
 * its digest; it changes when the digest differs from the current one. Digests have no order, so
 * the downgrade guard uses push times: a tracked digest pushed before the current one (an old
 * event delivered late) is not applied unless `allowDowngrade`. Without both push times the
 * registry's answer is taken as the truth.
 */
import { plural, rejection, summariseRejections } from '../candidates.ts';
import type { CompiledPolicy } from '../compile.ts';
import { isDigestOrAbsent, screenTag } from '../filter.ts';
import { isSkip, skip, type Skip } from '../skip.ts';
import type { Rejection, SelectionResult, SelectOptions, TagCandidate } from '../types.ts';

const NOT_TRACKED = skip('not-tracked');
const IGNORED = skip('ignored');
const INVALID_DIGEST = skip('invalid-digest');
const NO_DIGEST = skip('no-digest');
const IS_CURRENT = skip('is-current');
const OLDER = skip('not-above-current', 'pushed before the current digest');

export function selectDigest(
  compiled: CompiledPolicy,
  entries: readonly TagCandidate[],
  options: SelectOptions,
): SelectionResult {
  const { policy, filter } = compiled;
  const track = policy.track;
  const rejected: Rejection[] = [];
  let tracked: TagCandidate | undefined;
  const check = (entry: TagCandidate): Skip | undefined => {
    const tag = entry.tag;
    const screened = screenTag(tag);
    if (screened !== undefined) return screened;
    if (tag !== track) return NOT_TRACKED;
    if (!isDigestOrAbsent(entry.digest)) return INVALID_DIGEST;
    if (filter.ignored(tag)) return IGNORED;
    const version = filter.versionOf(tag);
    if (isSkip(version)) return version;
    if (entry.digest === undefined) return NO_DIGEST;
    if (entry.digest === options.currentDigest && tag === options.current) return IS_CURRENT;
    if (!policy.allowDowngrade && pushedBefore(entry.pushedAt, options.currentPushedAt)) return OLDER;
    return undefined;
  };
  for (const entry of entries) {
    const out = check(entry);
    if (out === undefined) tracked = entry;
    else rejected.push(rejection(entry.tag, out));
  }
  const base = {
    ...(options.current !== undefined ? { current: options.current } : {}),
    considered: entries.length,
    rejected,
  };
  if (tracked === undefined || tracked.digest === undefined) {
    const turnedAway = rejected.find((r) => r.tag === track);
    if (turnedAway?.reason === 'is-current' || turnedAway?.reason === 'not-above-current') {
      const reason =
        turnedAway.reason === 'is-current'
          ? `${track} is still at ${options.currentDigest}`
          : `${track} has a digest pushed before the current one`;
      return { outcome: 'up-to-date', reason, best: turnedAway.tag, ...base };
    }
    const reason = turnedAway
      ? `${track} can't be followed (${summariseRejections([turnedAway])})`
      : `${track} is not among ${plural(entries.length, 'tag')}`;
    return { outcome: 'no-candidate', reason, ...base };
  }
  const sameTag = options.current === tracked.tag;
  return {
    outcome: 'chosen',
    reason: `${tracked.tag} now points to ${tracked.digest}`,
    chosen: {
      tag: tracked.tag,
      digest: tracked.digest,
      ...(tracked.pushedAt !== undefined ? { pushedAt: tracked.pushedAt } : {}),
      updateType: sameTag ? 'digest' : 'other',
    },
    best: tracked.tag,
    ...base,
  };
}

function pushedBefore(candidate: Date | undefined, current: Date | undefined): boolean {
  if (candidate === undefined || current === undefined) return false;
  return candidate.getTime() < current.getTime();
}
