/**
 * The scheduled reconcile (SPEC §2.5): for every watched repository, every policy is decided
 * from its registry's tag list through the same apply path as a push, so an event that AWS never
 * delivered is repaired on the next run. A repository or an image that fails is logged and
 * counted and the run goes on; the next run tries again.
 */
import type { Context } from 'aws-lambda';
import pLimit from 'p-limit';
import type { ApplyMemo } from '../core/apply/apply.ts';
import type { GitHost } from '../ports/git-host.ts';
import { runRepo } from './run-repo.ts';
import { TagListCache } from '../adapters/registry/tag-lists.ts';
import { METRIC } from '../names.ts';
import { recordReport, summariseReport } from './telemetry.ts';
import { errorFields } from '../errors.ts';
import { directoryOf, setWriteDeadline, type UpdaterDeps } from './updater-deps.ts';
import type { WatchedRepo } from './env.ts';
import { defined } from '../objects.ts';

export type ReconcileDeps = UpdaterDeps;

export interface ReconcileSummary {
  readonly repos: readonly {
    readonly repo: string;
    readonly outcome: string;
    readonly wrote?: boolean;
    readonly error?: string;
  }[];
}

export type ReconcileHandler = (event?: unknown, context?: Context) => Promise<ReconcileSummary>;

export function createReconcile(deps: ReconcileDeps): ReconcileHandler {
  const memo: ApplyMemo = { checkedConfigs: new Set() };
  const { log, metrics } = deps;
  const directory = directoryOf(deps);

  return async (_event, context) => {
    try {
      return await run(context);
    } finally {
      metrics.publishStoredMetrics();
    }
  };

  async function run(context: Context | undefined): Promise<ReconcileSummary> {
    let host: GitHost;
    try {
      host = await deps.host();
    } catch (error) {
      metrics.addMetric(METRIC.failures, 'Count', 1);
      log.error('reconcile could not read the GitHub credentials', errorFields(error));
      return {
        repos: deps.repos.map((r: WatchedRepo) => ({
          repo: r.repo,
          outcome: 'failed',
          error: errorFields(error).errorCode as string,
        })),
      };
    }
    setWriteDeadline(host, deps, context);
    let repos: readonly WatchedRepo[];
    try {
      // Discovery lists the installations again: repositories added or removed while GitHub's
      // events did not reach us are found here, and every config is read (conditionally).
      if (directory.discovering) await directory.discover(host);
      repos = await directory.watched(host);
    } catch (error) {
      metrics.addMetric(METRIC.failures, 'Count', 1);
      log.error('reconcile could not list the watched repositories', errorFields(error));
      return { repos: [] };
    }
    // One listing per image for the whole run, shared by every repository that follows it.
    const tagLists = new TagListCache(deps.tagLister);
    // The metric counts images whose listing failed, once each, however many repositories follow them.
    const unlisted = new Set<string>();
    const results = await pLimit(deps.concurrency ?? 2).map(repos, async (repo) => {
      const result = await runRepo({
        host,
        repo,
        pushes: [],
        reconcile: true,
        tagLists,
        memo,
        onListFailure: 'skip',
        ...defined({ apply: deps.apply, delayed: deps.delayedWork }),
      });
      if (!result.ok) {
        metrics.addMetric(METRIC.failures, 'Count', 1);
        if ((result.error as { code?: string } | undefined)?.code === 'GITHUB_UNAUTHORIZED')
          deps.credentialsRejected?.();
        log.error('reconcile failed for this repository', { repo: repo.repo, ...errorFields(result.error) });
        return { repo: repo.repo, outcome: 'failed', error: errorFields(result.error).errorCode as string };
      }
      for (const { image, error } of result.listing.failures) {
        if (!unlisted.has(image)) metrics.addMetric(METRIC.tagListFailures, 'Count', 1);
        unlisted.add(image);
        log.warn('tag list failed; its policies wait for the next run', {
          repo: repo.repo,
          image,
          ...errorFields(error),
        });
      }
      for (const image of result.listing.unsupported) {
        log.info('no tag lister for this registry; its policies are reconciled from pushes only', {
          repo: repo.repo,
          image,
        });
      }
      for (const failure of result.report.failures) {
        metrics.addMetric(METRIC.failures, 'Count', 1);
        log.error('reconcile failed for this branch; the next run tries again', {
          repo: repo.repo,
          branch: failure.branch,
          ...errorFields(failure.error),
        });
      }
      await directory
        .record(repo, result.reading, { readAt: result.readAt })
        .catch((error: unknown) =>
          log.warn('image index not updated for this repository', { repo: repo.repo, ...errorFields(error) }),
        );
      const wrote = recordReport(metrics, result.report);
      log.info('repository reconciled', summariseReport(result.report));
      return { repo: repo.repo, outcome: result.report.outcome, wrote };
    });
    return { repos: results };
  }
}
