/**
 * How big an update is, for `automerge` (SPEC §4): the highest semver field that changed; only
 * the pre-release part changed (`1.3.0-rc.1` → `1.3.0-rc.2`, or → `1.3.0`) is `prerelease`; the
 * same tag with another digest is `digest`; anything semver can't measure is `other`, which only
 * `automerge: all` merges. node-semver's `diff` calls `1.0.0-rc.1` → `1.0.0` a major change; here
 * the repository is already on 1.0.0's pre-release, so leaving it is the small step it looks like.
 */
import { compilePolicy } from './compile.ts';
import { readKey } from './compare.ts';
import type { SemverKey } from './semver-fast.ts';
import { compareSemver } from './semver-fast.ts';
import type { SelectionPolicy, UpdateType } from './types.ts';

export function classifyUpdate(
  policy: SelectionPolicy,
  from: string | undefined,
  to: string,
  // Kept for the planner's call shape: a digest-only change is recognised from the tags alone.
  _fromDigest?: string,
  _toDigest?: string,
): UpdateType {
  return updateClassifier(policy, from)(to);
}

/** `classifyUpdate` from one tag to many: the `from` tag is read once (the release-age gate). */
export function updateClassifier(
  policy: SelectionPolicy,
  from: string | undefined,
): (to: string) => UpdateType {
  if (from === undefined || policy.strategy !== 'semver') return (to) => (to === from ? 'digest' : 'other');
  const compiled = compilePolicy(policy);
  const a = readKey(compiled, from) as SemverKey | undefined;
  return (to) => {
    if (to === from) return 'digest';
    const b = readKey(compiled, to) as SemverKey | undefined;
    if (a === undefined || b === undefined) return 'other';
    if (a.major !== b.major) return 'major';
    if (a.minor !== b.minor) return 'minor';
    if (a.patch !== b.patch) return 'patch';
    // Same version spelt differently (`v1.2.3` → `1.2.3`): not a semver step.
    return compareSemver(a, b) === 0 ? 'other' : 'prerelease';
  };
}
