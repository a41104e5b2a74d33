import type { AutomergeLevel } from '../config.ts';
import type { UpdateType } from '../tags/index.ts';

// A digest-only rebuild is the smallest change; non-semver strategies can't say how big a change
// is, so only `all` merges them.
const RANK: Record<UpdateType, number> = { digest: 0, patch: 1, prerelease: 1, minor: 2, major: 3, other: 4 };
const LIMIT: Record<AutomergeLevel, number> = { none: -1, patch: 1, minor: 2, major: 3, all: 4 };

/** Whether a policy's `automerge` level lets this update type merge without review. */
export function automergeAllows(level: AutomergeLevel, updateType: UpdateType): boolean {
  return RANK[updateType] <= LIMIT[level];
}

/** The larger of two update types, for a PR that carries several. */
export function largerUpdate(a: UpdateType, b: UpdateType): UpdateType {
  return RANK[a] >= RANK[b] ? a : b;
}
