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
import type { HealthReport } from '../plan/health.ts';
import {
  closedByUpdater,
  DASHBOARD_TITLE,
  markedOff,
  readDashboardHealth,
  readDashboardLines,
  readTicks,
  renderDashboard,
  type TickAction,
} from './render.ts';

export type DashboardAction =
  'created' | 'updated' | 'unchanged' | 'reopened' | 'closed' | 'left-closed' | 'off';

/**
 * The dashboard among the updater's issues: the oldest open one (two runs racing on a repository
 * without one may both open one: the others are closed as duplicates), else the most recent closed.
 */
function findDashboard(issues: readonly IssueInfo[]): IssueInfo | undefined {
  const titled = issues.filter((i) => i.title === DASHBOARD_TITLE);
  const open = titled.filter((i) => i.state === 'open').sort((a, b) => a.number - b.number);
  return open[0] ?? titled[0];
}

function duplicates(issues: readonly IssueInfo[], kept: IssueInfo | undefined): IssueInfo[] {
  return issues.filter((i) => i.title === DASHBOARD_TITLE && i.state === 'open' && i !== kept);
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

/**
 * The health reports `when: healthy` promotions wait for: those the dashboard keeps, with `fresh`
 * ones (this run's event) in place of those received before them for the same application. Only applications the
 * config names are kept, so the state stays as small as the config.
 */
export function dashboardHealth(
  config: Config,
  issues: readonly IssueInfo[],
  fresh: readonly HealthReport[] = [],
): Map<string, HealthReport> {
  const named = new Set(
    config.policies.flatMap((p) => (p.promote?.application ? [p.promote.application] : [])),
  );
  const health = new Map<string, HealthReport>();
  if (named.size === 0) return health;
  const dashboard = config.dashboard === false ? undefined : findDashboard(issues);
  for (const [application, report] of dashboard ? readDashboardHealth(dashboard.body) : [])
    if (named.has(application)) health.set(application, report);
  // The queue may deliver an older report after a newer one: the one received last wins.
  for (const report of fresh) {
    const kept = health.get(report.application);
    if (named.has(report.application) && !(kept && kept.at.getTime() > report.at.getTime()))
      health.set(report.application, report);
  }
  return health;
}

/** What the dashboard needs: nothing, or writes (`send`) whose number is `cost`, decided before any budget is spent. */
export interface DashboardPlan {
  readonly action: DashboardAction;
  readonly cost: number;
  readonly send?: () => Promise<unknown>;
}

export function planDashboard(
  client: RepoClient,
  input: {
    readonly config: Config;
    readonly issues: readonly IssueInfo[];
    readonly decided: readonly DecidedPolicy[];
    readonly now: Date;
    /** The health reports to keep (`dashboardHealth`). */
    readonly health?: ReadonlyMap<string, HealthReport>;
  },
): DashboardPlan {
  const existing = findDashboard(input.issues);
  const extra = duplicates(input.issues, existing).map((i) => i.number);
  const closeExtra = () => Promise.all(extra.map((n) => client.updateIssue(n, { state: 'closed' })));
  const plan = (action: DashboardAction, write?: () => Promise<unknown>): DashboardPlan => {
    const writes = (write ? 1 : 0) + extra.length;
    if (writes === 0) return { action, cost: 0 };
    return { action, cost: writes, send: () => Promise.all([write?.(), closeExtra()]) };
  };
  if (input.config.dashboard === false) {
    if (existing?.state !== 'open') return plan('off');
    const { number, body } = existing;
    return plan('closed', () => client.updateIssue(number, { state: 'closed', body: markedOff(body) }));
  }
  // A person closed it: they do not want it. Reopening it turns it back on.
  if (existing?.state === 'closed' && !closedByUpdater(existing.body)) return plan('left-closed');
  const previous = existing ? readDashboardLines(existing.body) : [];
  const body = renderDashboard(
    mergeLines(input.config.policies, input.decided, previous, input.now),
    undefined,
    input.health,
  );
  if (!existing)
    return plan('created', () =>
      client.createIssue({ title: DASHBOARD_TITLE, body, labels: [UPDATER_ISSUE_LABEL] }),
    );
  const { number } = existing;
  if (existing.state === 'closed')
    return plan('reopened', () => client.updateIssue(number, { state: 'open', body }));
  if (existing.body === body) return plan('unchanged');
  return plan('updated', () => client.updateIssue(number, { body }));
}
