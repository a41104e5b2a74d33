import type { Policy } from '../config.ts';

/** The policy fields tag selection reads. */
export type SelectionPolicy = Pick<
  Policy,
  'strategy' | 'range' | 'prerelease' | 'tags' | 'order' | 'layout' | 'track' | 'allowDowngrade'
>;

/** One tag the registry has (from a push event or a tag listing). */
export interface TagCandidate {
  readonly tag: string;
  /** When the registry says the tag was pushed; `newest` needs it, `digest` uses it as a guard. */
  readonly pushedAt?: Date;
  readonly digest?: string;
}

/** How big a change is, for `automerge` (SPEC §4). */
export type UpdateType = 'major' | 'minor' | 'patch' | 'prerelease' | 'digest' | 'other';

/** Why a tag did not become the choice, in the order the checks run. */
export type RejectReason =
  /** Outside the OCI tag grammar `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`: never written to a file. */
  | 'invalid-oci-tag'
  /** A signature, attestation or SBOM referrer (`sha256-…`, `*.sig`, `*.att`, `*.sbom`). */
  | 'referrer-tag'
  /** Not the tag `track` names (strategy digest). */
  | 'not-tracked'
  /** Matches one of `tags.ignore`. */
  | 'ignored'
  /** Does not match `tags.pattern`, or its `version` group captured nothing. */
  | 'pattern-mismatch'
  /** The strategy cannot read it: not semver, not a number, not in the calver layout. */
  | 'not-a-version'
  /** A semver pre-release and the policy has `prerelease: false`. */
  | 'prerelease'
  /** Outside the semver `range`. */
  | 'out-of-range'
  /** `newest` without a push time. */
  | 'no-push-time'
  /** `digest` strategy: the tracked tag has no digest to follow. */
  | 'no-digest'
  /** It would have been chosen, but its digest is not `algorithm:encoded` and would be written verbatim. */
  | 'invalid-digest'
  /** The tag the repository is at already (or orders equal to it). */
  | 'is-current'
  /** Orders below the current tag, and `allowDowngrade` is false. */
  | 'not-above-current'
  /** Allowed, but another allowed tag orders above it. */
  | 'not-greatest';

export interface Rejection {
  readonly tag: string;
  readonly reason: RejectReason;
  readonly detail?: string;
}

/**
 * `chosen`: there is a tag to move to. `up-to-date`: allowed tags exist but none orders above the
 * current one. `no-candidate`: no tag passes the policy at all.
 */
type SelectionOutcome = 'chosen' | 'up-to-date' | 'no-candidate';

export interface ChosenTag {
  readonly tag: string;
  readonly digest?: string;
  readonly pushedAt?: Date;
  readonly updateType: UpdateType;
}

export interface SelectOptions {
  /** The floor: the tag the repository (or its open PR) is at. */
  readonly current?: string;
  readonly currentDigest?: string;
  /** When the current tag was pushed: orders it for `newest`, guards `digest` against older pushes. */
  readonly currentPushedAt?: Date;
}

export interface SelectionResult {
  readonly outcome: SelectionOutcome;
  /** One sentence for a person: the plan output, the logs, the CLI. */
  readonly reason: string;
  readonly chosen?: ChosenTag;
  /** The greatest tag the policy allows, whether or not it is above the current one. */
  readonly best?: string;
  readonly current?: string;
  /**
   * False when `current` was given but the policy cannot order it (`latest` under semver): any
   * allowed tag may then replace it, and the update type is `other` so it is never auto-merged
   * below `automerge: all`. Absent when there is no current tag or for the digest strategy.
   */
  readonly currentOrderable?: boolean;
  /**
   * Distinct tags examined (duplicates count once). This and `rejected` judge every tag, so
   * `selectTag` computes them on first read; the choice above never waits for them.
   */
  readonly considered: number;
  /**
   * Every distinct tag except the chosen one, once: first those the policy turns away, then the
   * allowed ones that lost, each group in input order. Which tags and why never depends on it.
   */
  readonly rejected: readonly Rejection[];
}
