/**
 * What a repository's report becomes in the metrics and the log (the interfaces they go through:
 * `ports/telemetry.ts`).
 */
import type { RepoReport } from '../core/apply/apply.ts';
import { decisionSummary } from '../core/plan/decide.ts';
import { errorFields } from '../errors.ts';
import { METRIC } from '../names.ts';
import type { MetricSink } from '../ports/telemetry.ts';
import { defined } from '../objects.ts';

/** Per repository apply: what it proposed and wrote. Returns whether it wrote anything. */
export function recordReport(metrics: MetricSink, report: RepoReport): boolean {
  const count = (name: string, n: number) => {
    if (n > 0) metrics.addMetric(name, 'Count', n);
  };
  const actions = (a: string) => report.units.filter((u) => u.action === a).length;
  count(METRIC.updatesProposed, report.decisions.filter((d) => d.outcome === 'update').length);
  count(METRIC.pullRequestsOpened, actions('opened'));
  count(METRIC.pullRequestsUpdated, actions('updated'));
  count(METRIC.pullRequestsClosed, actions('closed'));
  count(METRIC.directCommits, actions('committed'));
  count(METRIC.blocked, actions('blocked'));
  count(METRIC.pullRequestsMerged, report.units.filter((u) => u.merge === 'merged').length);
  count(METRIC.autoMergeEnabled, report.units.filter((u) => u.merge === 'auto-merge-enabled').length);
  count(METRIC.configInvalid, report.outcome === 'config-invalid' ? 1 : 0);
  const verdicts = report.decisions.flatMap((d) => (d.signature ? [d.signature] : []));
  count(METRIC.signaturesVerified, verdicts.filter((v) => v.ok).length);
  count(METRIC.signaturesHeld, verdicts.filter((v) => !v.ok && v.held).length);
  count(METRIC.signaturesRefused, verdicts.filter((v) => !v.ok && !v.held).length);
  const wrote =
    report.units.some((u) => u.action !== 'unchanged' && u.action !== 'blocked') ||
    report.units.some((u) => u.merge !== undefined);
  count(METRIC.noOps, wrote ? 0 : 1);
  return wrote;
}

/** The report as one log line: names and tags, not the resolved policy objects. */
export function summariseReport(report: RepoReport): Record<string, unknown> {
  return {
    repo: report.repo,
    outcome: report.outcome,
    attempts: report.attempts,
    decisions: report.decisions.map((d) => {
      const { policy, ...rest } = decisionSummary(d);
      return { policy, image: d.policy.image, ...rest };
    }),
    units: report.units.map((u) => ({
      branch: u.branch,
      action: u.action,
      ...defined({ pull: u.pull }),
      ...(u.merge ? { merge: u.merge } : {}),
      ...(u.detail ? { detail: u.detail } : {}),
      updates: u.updates,
    })),
    ...(report.failures.length > 0
      ? {
          failures: report.failures.map((f) => ({
            branch: f.branch,
            error: errorFields(f.error).errorCode ?? 'unknown',
          })),
        }
      : {}),
    ...(report.problems.length > 0 ? { problems: report.problems } : {}),
    ...(report.configIssue ? { configIssue: report.configIssue } : {}),
  };
}
