/**
 * What one branch/PR unit does, chosen from what was read (the unit's plan, its open PR, a
 * leftover branch) before anything is written. The write estimate a unit sets aside is the cost
 * of the action chosen here, so the estimate and the work can never follow different branches.
 */
import type { UnitPlan } from '../plan/units.ts';
import { CLOSE_COST } from './close-pull.ts';
import { chooseMergeStep, mergeCost, type MergeStep } from './merge.ts';
import type { OpenPull } from './open-pulls.ts';
import { fileSetOf, sameProposals, type PrState } from './pr-state.ts';

/**
 * How a unit's commit is written: `append` puts it on the branch head in one request
 * (`RepoClient.appendCommit`, GraphQL `createCommitOnBranch`); `rebuild` builds a tree and a
 * commit on the chosen parents and moves the ref (three requests). Append only when the result is
 * the very tree the rebuild would make.
 */
export type CommitPath = 'append' | 'rebuild';

/** An open PR whose description carries our state. */
type TrackedPull = OpenPull & { readonly state: PrState };

export type UnitAction =
  /** Nothing proposed and no PR of ours: no report. */
  | { readonly kind: 'none' }
  /** Ahead of the base, but no reference could take the update: an open PR is left as it is. */
  | { readonly kind: 'no-reference'; readonly unit: UnitPlan; readonly existing: OpenPull | undefined }
  /** The base branch has everything the PR proposes (merged by hand, or newer there). */
  | { readonly kind: 'close'; readonly existing: TrackedPull }
  /** `update: commit`: straight to the base branch, retiring a PR of ours from before. */
  | {
      readonly kind: 'commit';
      readonly unit: UnitPlan;
      readonly supersedes: TrackedPull | undefined;
      readonly path: CommitPath;
    }
  /** A PR without our state, or a foreign head we already commented on: left alone. */
  | {
      readonly kind: 'blocked';
      readonly unit: UnitPlan;
      readonly existing: OpenPull;
      readonly detail?: string;
    }
  /** A head that is not our last commit and that we have not commented on yet. */
  | { readonly kind: 'foreign-head'; readonly unit: UnitPlan; readonly existing: TrackedPull }
  /** The PR proposes exactly this: only its merge state, and a lagging description, to bring level. */
  | {
      readonly kind: 'refresh-description';
      readonly unit: UnitPlan;
      readonly existing: TrackedPull;
      readonly describe: boolean;
      readonly merge: MergeStep;
    }
  /** A new commit on the PR's branch (fast-forward only) and a new description. */
  | {
      readonly kind: 'update-pr';
      readonly unit: UnitPlan;
      readonly existing: TrackedPull;
      readonly missingLabels: readonly string[];
      readonly merge: MergeStep;
      readonly path: CommitPath;
    }
  /**
   * The PR this run opened, though GitHub's answer was lost (the request applied, then a 502
   * or a reset; the resent one was refused as a duplicate): what follows the opening is done.
   */
  | {
      readonly kind: 'finish-opening';
      readonly unit: UnitPlan;
      readonly existing: TrackedPull;
      readonly merge: MergeStep;
    }
  /** A new branch (or on top of a leftover one of ours) and its PR. */
  | {
      readonly kind: 'open-pr';
      readonly unit: UnitPlan;
      readonly leftover: PrState | undefined;
      readonly merge: MergeStep;
    };

export interface UnitFacts {
  /** What the unit's branch should hold; undefined when nothing is ahead of the base. */
  readonly unit: UnitPlan | undefined;
  /** The unit's open updater PR. */
  readonly existing: OpenPull | undefined;
  /** The unit's branch found without an open PR: what its head proposes. */
  readonly leftover: PrState | undefined;
  /** Head commits this run opened a PR for (see `finish-opening`). */
  readonly opened: ReadonlySet<string>;
  /** What an appended commit needs; without it every commit is rebuilt. */
  readonly append?: AppendFacts;
}

export interface AppendFacts {
  /** The base branch's head the unit was planned on. */
  readonly base: string;
  /** Git mode of a path on that head. */
  readonly modeOf: (path: string) => string | undefined;
}

/**
 * Append when it writes what the rebuild would: the base's tree with the unit's files. On the
 * base branch itself that always holds. On a PR branch whose head is our last commit, it holds
 * when that commit was built on this same base and wrote this same file set (so every file it
 * changed is written again). An executable file would lose its bit: the mutation has no mode.
 */
function commitPath(unit: UnitPlan, append: AppendFacts | undefined, onPr: PrState | undefined): CommitPath {
  if (!append || unit.files.some((f) => append.modeOf(f.file) === '100755')) return 'rebuild';
  if (!onPr) return 'append';
  const same = onPr.base === append.base && onPr.fileSet === fileSetOf(unit.files.map((f) => f.file));
  return same ? 'append' : 'rebuild';
}

export function chooseUnitAction({ unit, existing, leftover, opened, append }: UnitFacts): UnitAction {
  const tracked = existing?.state ? (existing as TrackedPull) : undefined;
  if (unit && unit.files.length === 0) return { kind: 'no-reference', unit, existing };
  if (!unit) return tracked ? { kind: 'close', existing: tracked } : { kind: 'none' };
  if (unit.update === 'commit')
    return { kind: 'commit', unit, supersedes: tracked, path: commitPath(unit, append, undefined) };
  if (!existing) return { kind: 'open-pr', unit, leftover, merge: chooseMergeStep(unit, false, true) };
  if (!tracked)
    return {
      kind: 'blocked',
      unit,
      existing,
      detail: 'the pull request has no image-updater state; left alone',
    };
  const { pull, state } = tracked;
  if (pull.headSha !== state.commit)
    return state.blockedAt === pull.headSha
      ? { kind: 'blocked', unit, existing }
      : { kind: 'foreign-head', unit, existing: tracked };
  if (sameProposals(unit, state) && opened.has(pull.headSha))
    return {
      kind: 'finish-opening',
      unit,
      existing: tracked,
      merge: chooseMergeStep(unit, pull.autoMerge, true),
    };
  if (sameProposals(unit, state))
    return {
      kind: 'refresh-description',
      unit,
      existing: tracked,
      describe: tracked.lagging === true,
      merge: chooseMergeStep(unit, pull.autoMerge, false),
    };
  return {
    kind: 'update-pr',
    unit,
    existing: tracked,
    missingLabels: unit.labels.filter((l) => !pull.labels.includes(l)),
    merge: chooseMergeStep(unit, pull.autoMerge, true),
    path: commitPath(unit, append, state),
  };
}

/** Tree, commit and ref; an append is the one mutation. */
const COMMIT_COST: Record<CommitPath, number> = { rebuild: 3, append: 1 };

/**
 * The content-creating requests an action makes (GraphQL counts: GitHub's secondary limit
 * does), set aside before it starts. From above for the common paths; a write beyond it (taking
 * over a stale branch of ours) is admitted on its own.
 */
export function costOf(action: UnitAction): number {
  switch (action.kind) {
    case 'none':
    case 'no-reference':
    case 'blocked':
      return 0;
    case 'close':
      return CLOSE_COST;
    case 'commit':
      return COMMIT_COST[action.path] + (action.supersedes ? CLOSE_COST : 0);
    case 'foreign-head':
      return 2; // said once: a comment and the description
    case 'refresh-description':
      return (action.describe ? 1 : 0) + mergeCost(action.merge);
    case 'update-pr':
      return (
        COMMIT_COST[action.path] + 1 + (action.missingLabels.length > 0 ? 1 : 0) + mergeCost(action.merge)
      );
    case 'finish-opening':
    case 'open-pr': {
      const labels = action.unit.labels.length > 0 ? 1 : 0;
      const reviewers = action.unit.reviewers.length > 0 ? 1 : 0;
      // Opening keeps the Git Data path: see docs/git-and-pull-requests.md, "Writes per update".
      const opening = action.kind === 'open-pr' ? COMMIT_COST.rebuild + 1 : 0;
      return opening + labels + reviewers + mergeCost(action.merge);
    }
  }
}
