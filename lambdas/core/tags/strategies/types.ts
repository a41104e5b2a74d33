import type { Skip } from '../skip.ts';

/** What a strategy knows about a tag besides its version text. */
interface CandidateFacts {
  readonly pushedAt?: Date | undefined;
}

/**
 * A strategy that orders tags (every strategy but `digest`). The selection pipeline runs
 * `read`, then `admit`, then picks the greatest by `compare`.
 */
export interface OrderedStrategy<K = unknown> {
  /** The comparable key of a tag's version text, or why the strategy can't read it. */
  read(version: string, facts: CandidateFacts): K | Skip;
  /** Whether the policy allows a readable version (semver range, pre-releases). */
  admit(key: K): Skip | undefined;
  /** Positive when `a` is preferred to `b` under the policy (so `order: desc` is already applied). */
  compare(a: K, b: K): number;
  /**
   * Re-checks a winner with a slower reference implementation; false means the fast path was
   * wrong and the selection reruns on the reference path.
   */
  confirm?(chosenVersion: string, currentVersion: string | undefined): boolean;
}
