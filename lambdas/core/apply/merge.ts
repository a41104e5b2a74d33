/**
 * Auto-merge follows the update type: on for what `automerge` allows, and switched off again
 * when a bigger update lands in a PR that had it on. An immediate merge is tried right after a
 * write; a failure leaves the PR open with a comment.
 */
import type { PullRequestInfo, RepoClient } from '../../ports/git-host.ts';
import type { UnitPlan } from '../plan/units.ts';
import type { MergeAction } from './report.ts';

/** What a unit's PR needs done about merging, chosen before any write. */
export type MergeStep = 'none' | 'disable-auto-merge' | 'enable-auto-merge' | 'merge';

export function chooseMergeStep(unit: UnitPlan, autoMergeOn: boolean, wrote: boolean): MergeStep {
  if (!unit.automerge) return autoMergeOn ? 'disable-auto-merge' : 'none';
  if (unit.mergeStrategy === 'auto') return autoMergeOn ? 'none' : 'enable-auto-merge';
  return wrote ? 'merge' : 'none';
}

/** The writes a merge step sends at most (GraphQL mutations count: GitHub's secondary limit does). */
export function mergeCost(step: MergeStep): number {
  switch (step) {
    case 'none':
      return 0;
    case 'disable-auto-merge':
      return 1;
    // Enabling it, or (GitHub says the PR is mergeable already) merging and deleting the branch.
    case 'enable-auto-merge':
      return 3;
    case 'merge':
      return 2; // merge, delete the branch
  }
}

export type MergeResult = { readonly merge?: MergeAction; readonly detail?: string };

export async function runMergeStep(
  client: RepoClient,
  unit: UnitPlan,
  pull: PullRequestInfo,
  step: MergeStep,
): Promise<MergeResult> {
  switch (step) {
    case 'none':
      return {};
    case 'disable-auto-merge':
      await client.disableAutoMerge(pull);
      return { merge: 'auto-merge-disabled' };
    case 'enable-auto-merge': {
      const result = await client.enableAutoMerge(pull, unit.mergeMethod);
      if (result === 'enabled') return { merge: 'auto-merge-enabled' };
      if (result === 'already-mergeable') return mergeNow(client, unit, pull);
      await client.comment(pull.number, `image-updater could not enable auto-merge: ${result.failed}`);
      return { merge: 'merge-failed', detail: result.failed };
    }
    case 'merge':
      return mergeNow(client, unit, pull);
  }
}

async function mergeNow(client: RepoClient, unit: UnitPlan, pull: PullRequestInfo): Promise<MergeResult> {
  const merged = await client.merge(pull.number, {
    sha: pull.headSha,
    method: unit.mergeMethod,
    title: unit.title,
  });
  if (merged.merged) {
    await client.deleteBranch(pull.headRef);
    return { merge: 'merged' };
  }
  await client.comment(
    pull.number,
    `image-updater could not merge this pull request: ${merged.reason}. It stays open for review.`,
  );
  return { merge: 'merge-failed', detail: merged.reason };
}
