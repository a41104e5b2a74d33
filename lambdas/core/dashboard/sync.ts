/**
 * Keeps the dashboard issue (one per repository, label `image-updater`): found among the
 * updater's issues that `readState` lists in its first round trip, so reading it costs no request
 * of its own; written only when its body changes. A dashboard a person closed stays closed (and
 * none is opened beside it): reopening it turns it back on; `dashboard: false` closes it.
 */
import type { Config, Policy } from '../config.ts';
import type { IssueInfo, RepoClient } from '../../ports/git-host.ts';
import { UPDATER_ISSUE_LABEL } from '../../names.ts';
import { mergeLines, type DecidedPolicy } from './lines.ts';
import {
  DASHBOARD_TITLE,
  readDashboardLines,
  readTicks,
  renderDashboard,
  type TickAction,
} from './render.ts';

export type DashboardAction = 'created' | 'updated' | 'unchanged' | 'closed' | 'left-closed' | 'off';

/** The dashboard among the updater's issues: the open one, else the most recent closed one. */
function findDashboard(issues: readonly IssueInfo[]): IssueInfo | undefined {
  const titled = issues.filter((i) => i.title === DASHBOARD_TITLE);
  return titled.find((i) => i.state === 'open') ?? titled[0];
}

/** The boxes ticked on the open dashboard, for the config's policies only. */
export function dashboardTicks(config: Config, issues: readonly IssueInfo[]): Map<Policy, TickAction> {
  const dashboard = config.dashboard === false ? undefined : findDashboard(issues);
  const ticks = new Map<Policy, TickAction>();
  if (dashboard?.state !== 'open') return ticks;
  for (const [name, action] of readTicks(dashboard.body)) {
    const policy = config.policies.find((p) => p.name === name);
    if (policy) ticks.set(policy, action);
  }
  return ticks;
}

/** The writes a dashboard plan sends at most: one issue created, updated or closed. */
export const DASHBOARD_COST = 1;

/** What the dashboard needs: nothing, or one write (`send`), decided before any budget is spent. */
export interface DashboardPlan {
  readonly action: DashboardAction;
  readonly send?: () => Promise<unknown>;
}

export function planDashboard(
  client: RepoClient,
  input: {
    readonly config: Config;
    readonly issues: readonly IssueInfo[];
    readonly decided: readonly DecidedPolicy[];
    readonly now: Date;
  },
): DashboardPlan {
  const existing = findDashboard(input.issues);
  if (input.config.dashboard === false) {
    if (existing?.state !== 'open') return { action: 'off' };
    const { number } = existing;
    return { action: 'closed', send: () => client.updateIssue(number, { state: 'closed' }) };
  }
  if (existing?.state === 'closed') return { action: 'left-closed' };
  const previous = existing ? readDashboardLines(existing.body) : [];
  const body = renderDashboard(mergeLines(input.config.policies, input.decided, previous, input.now));
  if (!existing)
    return {
      action: 'created',
      send: () => client.createIssue({ title: DASHBOARD_TITLE, body, labels: [UPDATER_ISSUE_LABEL] }),
    };
  if (existing.body === body) return { action: 'unchanged' };
  const { number } = existing;
  return { action: 'updated', send: () => client.updateIssue(number, { body }) };
}
