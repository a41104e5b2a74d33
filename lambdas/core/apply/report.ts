/** What one apply run reports, per repository and per branch/PR unit. */
import type { Policy } from '../config.ts';
import type { PolicyDecision } from '../plan/decide.ts';
import type { FileProblem } from '../plan/scan.ts';
import type { UnitPlan } from '../plan/units.ts';
import type { UpdateType } from '../tags/index.ts';
import type { ConfigIssueAction } from './config-issue.ts';
import type { DashboardOutcome } from './dashboard-step.ts';

/** `ignored`: a person closed the unit's PR unmerged, and the updater answered that it will not propose it again. */
export type UnitReportAction =
  'opened' | 'updated' | 'unchanged' | 'committed' | 'closed' | 'blocked' | 'ignored';
export type MergeAction = 'merged' | 'auto-merge-enabled' | 'auto-merge-disabled' | 'merge-failed';

export interface UnitReport {
  readonly key: string;
  readonly branch: string;
  readonly action: UnitReportAction;
  readonly merge?: MergeAction;
  readonly pull?: number;
  readonly updates: readonly {
    readonly policy: string;
    readonly from?: string;
    readonly to: string;
    readonly updateType: UpdateType;
  }[];
  readonly detail?: string;
}

/** A unit whose work failed; the other units of the repository went on. */
export interface UnitFailure {
  readonly key: string;
  readonly branch: string;
  /** The unit's policies: the events for their images are the ones to retry. */
  readonly policies: readonly Policy[];
  readonly error: unknown;
}

export type RepoOutcome = 'applied' | 'up-to-date' | 'no-config' | 'config-invalid' | 'no-policy';

export interface RepoReport {
  readonly repo: string;
  readonly outcome: RepoOutcome;
  /** In config order, whichever unit's work finished first. */
  readonly decisions: readonly PolicyDecision[];
  /** Orphans closed first (in the order GitHub listed them), then units in config order. */
  readonly units: readonly UnitReport[];
  /** Units that failed, in config order; empty when every unit did its work. */
  readonly failures: readonly UnitFailure[];
  readonly problems: readonly FileProblem[];
  readonly configIssue?: ConfigIssueAction;
  /** What the run did with the dashboard issue; unset when it decided nothing. */
  readonly dashboard?: DashboardOutcome;
  readonly attempts: number;
}

export function reportOf(
  unit: UnitPlan | undefined,
  key: string,
  branch: string,
  action: UnitReportAction,
  extra: Partial<UnitReport> = {},
): UnitReport {
  return {
    key,
    branch,
    action,
    updates: (unit?.updates ?? []).map((u) => ({
      policy: u.policy.name,
      ...(u.from ? { from: u.from.tag } : {}),
      to: u.to.tag,
      updateType: u.updateType,
    })),
    ...extra,
  };
}
