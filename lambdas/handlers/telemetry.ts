/**
 * What the functions log and measure. The interfaces are the slice of Powertools Logger and
 * Metrics the handlers use, so tests can read what a user would see in CloudWatch.
 */
import type { RepoReport } from '../core/apply/apply.ts';
import { ImageUpdaterError } from '../core/errors.ts';
import { METRIC } from '../names.ts';

export interface Log {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export type MetricUnitName = 'Count' | 'Milliseconds';

export interface MetricSink {
  addMetric(name: string, unit: MetricUnitName, value: number): void;
  publishStoredMetrics(): void;
}

export { METRIC } from '../names.ts';

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
    decisions: report.decisions.map((d) => ({
      policy: d.policy.name,
      image: d.policy.image,
      outcome: d.outcome,
      reason: d.reason,
      ...(d.from ? { from: d.from.tag } : {}),
      ...(d.to ? { to: d.to.tag } : {}),
      ...(d.updateType ? { updateType: d.updateType } : {}),
    })),
    units: report.units.map((u) => ({
      branch: u.branch,
      action: u.action,
      ...(u.pull !== undefined ? { pull: u.pull } : {}),
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

/**
 * An error as log attributes: code, retryable and message. Never the error object itself,
 * whose `cause` may hold a vendor response with headers.
 */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof ImageUpdaterError) {
    return { errorCode: error.code, retryable: error.retryable, errorMessage: error.message };
  }
  const e = error as { name?: string; message?: string } | undefined;
  return { errorCode: e?.name ?? 'Error', retryable: false, errorMessage: e?.message ?? String(error) };
}

/**
 * Whether the records go back to the queue. An error that is not an `ImageUpdaterError` is a bug:
 * its records are retried and end in the dead-letter queue, to be redriven once it is fixed,
 * rather than dropped.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof ImageUpdaterError ? error.retryable : true;
}
