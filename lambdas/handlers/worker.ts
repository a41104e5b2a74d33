/**
 * The worker: an SQS batch of registry events → one apply per watched environment repository.
 *
 * Pushes of one batch are coalesced (one entry per image and tag, the latest event wins) and
 * every repository gets all of them in one `applyToRepo`, which picks per policy. A retryable
 * failure in one repository (or in one branch/PR unit of it) returns exactly the records that
 * work was about, as batch item failures; they come back after the visibility timeout and end
 * in the dead-letter queue when they keep failing. Anything else is acknowledged: ignored events
 * (not a push, no tag, a referrer) and malformed bodies are logged and counted, never retried.
 *
 * Which repositories a push runs is the directory's answer (`repo-directory.ts`: the image index
 * when GitHub's events keep it fresh). GitHub's own events (`repo-events.ts`) run after the
 * pushes, each handing back its own record when it fails.
 */
import {
  BatchProcessor,
  EventType,
  FullBatchFailureError,
  processPartialResponse,
} from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import type { ApplyMemo } from '../core/apply/apply.ts';
import { policyWatches } from '../core/plan/decide.ts';
import type { PushedImage } from '../core/push.ts';
import type { GitHost } from '../ports/git-host.ts';
import type { MetricSink } from '../ports/telemetry.ts';
import { BatchFailedError } from './errors.ts';
import { decodeMessage } from '../adapters/sqs/messages.ts';
import { coalesce, type PushEntry } from './coalesce.ts';
import { handleRepoEvent } from './repo-events.ts';
import { runRepo, type RunRepoResult } from './run-repo.ts';
import { TagListCache } from '../adapters/registry/tag-lists.ts';
import { METRIC } from '../names.ts';
import { recordReport, summariseReport } from './telemetry.ts';
import { errorFields, isRetryable } from '../errors.ts';
import { directoryOf, setWriteDeadline, type UpdaterDeps } from './updater-deps.ts';
import type { RepoDirectory } from './repo-directory.ts';
import { defined } from '../objects.ts';

export interface WorkerDeps extends UpdaterDeps {
  /**
   * Told of each failure with the records it concerns (serve's queue, which retries and hands
   * back those records and logs them so, once each); the worker then logs failures at debug.
   */
  readonly onFailure?: (messageIds: readonly string[], error: unknown) => void;
}

export type WorkerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export function createWorker(deps: WorkerDeps): WorkerHandler {
  const memo: ApplyMemo = { checkedConfigs: new Set() };
  const directory = directoryOf(deps, deps.now);
  return async (event, context) => {
    try {
      return await handleBatch({ deps, memo, directory }, event.Records ?? [], context);
    } finally {
      deps.metrics.publishStoredMetrics();
    }
  };
}

interface WorkerState {
  readonly deps: WorkerDeps;
  readonly memo: ApplyMemo;
  readonly directory: RepoDirectory;
}

async function handleBatch(
  { deps, memo, directory }: WorkerState,
  records: readonly SQSRecord[],
  context?: Context,
): Promise<SQSBatchResponse> {
  const { metrics } = deps;
  metrics.addMetric(METRIC.eventsReceived, 'Count', records.length);
  const { entries, events } = coalesce(
    deps,
    records.map((record) => ({ record, message: decodeMessage(record.body) })),
  );
  if (entries.length === 0 && events.length === 0) return { batchItemFailures: [] };
  if (entries.length > 0) metrics.addMetric(METRIC.pushes, 'Count', entries.length);
  const pushes = entries.map((e) => e.push);
  const byPush = new Map(entries.map((e) => [e.push, e]));
  const idsOf = (set: Iterable<PushedImage>) => [...set].flatMap((p) => byPush.get(p)?.correlationIds ?? []);

  const { fail, failRecords, failed, firstError } = batchFailures(deps, byPush, idsOf);
  const failEvents = (error: unknown, what: Record<string, unknown>) => {
    for (const e of events) failRecords(error, [e.messageId], [e.id], what);
  };

  let host: GitHost;
  try {
    host = await deps.host();
  } catch (error) {
    fail(error, pushes, { step: 'github-credentials' });
    failEvents(error, { step: 'github-credentials' });
    return await finish(metrics, records, failed, firstError());
  }

  setWriteDeadline(host, deps, context);
  const tagLists = new TagListCache(deps.tagLister);
  if (entries.length > 0) await runPushes({ deps, memo, directory }, host, tagLists, pushes, idsOf, fail);
  for (const { event, messageId, id } of events) {
    try {
      const outcome = await handleRepoEvent({ deps, directory, memo, host, tagLists }, event);
      deps.log.info('github event handled', { type: event.type, delivery: id, detail: outcome.detail });
      for (const { repo, result } of outcome.runs) {
        if (!result.ok) failRecords(result.error, [messageId], [id], { repo: repo.repo, event: event.type });
        else {
          for (const failure of result.report.failures)
            failRecords(failure.error, [messageId], [id], { repo: repo.repo, branch: failure.branch });
          recordRepo(deps, result, [], [id]);
        }
      }
    } catch (error) {
      failRecords(error, [messageId], [id], { event: event.type });
    }
  }
  return await finish(metrics, records, failed, firstError());
}

/** The pushes of a batch: the repositories that watch them, each run once with all of them. */
async function runPushes(
  { deps, memo, directory }: WorkerState,
  host: GitHost,
  tagLists: TagListCache,
  pushes: readonly PushedImage[],
  idsOf: (set: Iterable<PushedImage>) => string[],
  fail: (error: unknown, about: Iterable<PushedImage>, what: Record<string, unknown>) => void,
): Promise<void> {
  let targets;
  try {
    targets = await directory.targetsFor(host, pushes);
  } catch (error) {
    fail(error, pushes, { step: 'image-index' });
    return;
  }
  const results = await pLimit(deps.concurrency ?? 4).map(targets, async (repo) => ({
    repo,
    result: await runRepo({
      host,
      repo,
      pushes,
      reconcile: false,
      tagLists,
      memo,
      onListFailure: 'fail',
      ...defined({ apply: deps.apply, delayed: deps.delayedWork, now: deps.now }),
    }),
  }));
  for (const { repo, result } of results) {
    if (!result.ok) {
      fail(result.error, result.watched, { repo: repo.repo });
      continue;
    }
    // What the run read of the config keeps the index level with it, at no request of its own.
    await directory.record(repo, result.reading, { readAt: result.readAt }).catch((error: unknown) =>
      deps.log.warn('image index not updated; the reconcile repairs it', {
        repo: repo.repo,
        ...errorFields(error),
      }),
    );
    // A unit that failed returns the events for its images; the other units' events are done.
    for (const failure of result.report.failures) {
      const about = [...result.watched].filter((p) =>
        failure.policies.some((policy) => policyWatches(policy, p.image)),
      );
      fail(failure.error, about, { repo: repo.repo, branch: failure.branch });
    }
    recordRepo(deps, result, pushes, idsOf(result.watched));
  }
}

/**
 * The failures of one batch: each is counted and logged once, and a retryable one hands back the
 * records of the pushes it was about.
 */
function batchFailures(
  deps: WorkerDeps,
  byPush: ReadonlyMap<PushedImage, PushEntry>,
  idsOf: (set: Iterable<PushedImage>) => string[],
) {
  const { log, metrics } = deps;
  /** Records handed back, with the failure that returns them. */
  const failed = new Map<string, unknown>();
  let first: unknown;
  const failRecords = (
    error: unknown,
    ids: readonly string[],
    correlationIds: readonly string[],
    what: Record<string, unknown>,
  ) => {
    const retry = isRetryable(error);
    first ??= error;
    metrics.addMetric(METRIC.failures, 'Count', 1);
    if ((error as { code?: string } | undefined)?.code === 'GITHUB_UNAUTHORIZED')
      deps.credentialsRejected?.();
    if (retry) {
      for (const id of ids) if (!failed.has(id)) failed.set(id, error);
    } else if (ids.length > 0) metrics.addMetric(METRIC.droppedRecords, 'Count', ids.length);
    const message = retry ? 'failed; the events return to the queue' : 'failed; the events are dropped';
    deps.onFailure?.(ids, error);
    (deps.onFailure ? log.debug : retry ? log.warn : log.error).call(log, message, {
      ...what,
      ...errorFields(error),
      records: ids.length,
      correlation_ids: correlationIds,
    });
  };
  const fail = (error: unknown, about: Iterable<PushedImage>, what: Record<string, unknown>) =>
    failRecords(
      error,
      [...about].flatMap((p) => byPush.get(p)?.messageIds ?? []),
      idsOf(about),
      what,
    );
  return { fail, failRecords, failed, firstError: () => first };
}

/** Metrics and the log line of one repository's apply. */
function recordRepo(
  deps: WorkerDeps,
  result: Extract<RunRepoResult, { ok: true }>,
  pushes: readonly PushedImage[],
  correlationIds: string[],
): void {
  const { log, metrics } = deps;
  const { report } = result;
  recordReport(metrics, report);
  for (const image of result.listing.unsupported) {
    log.warn('no tag lister for this registry; deciding from the push alone', { repo: report.repo, image });
  }
  // Push → PR latency, from the registry's event time to this write.
  const at = (deps.now ?? Date.now)();
  for (const unit of report.units) {
    if (unit.action !== 'opened' && unit.action !== 'updated' && unit.action !== 'committed') continue;
    for (const update of unit.updates) {
      const policy = report.decisions.find((d) => d.policy.name === update.policy)?.policy;
      const push = policy && pushes.find((p) => p.tag === update.to && policyWatches(policy, p.image));
      if (push?.pushedAt)
        metrics.addMetric(
          METRIC.pushToPullRequestLatency,
          'Milliseconds',
          Math.max(0, at - push.pushedAt.getTime()),
        );
    }
  }
  log.info('repository processed', { ...summariseReport(report), correlation_ids: correlationIds });
}

/**
 * The response, built by Powertools batch from what the grouped work said of each record: its
 * per-record handler model does not fit here (a repository's apply covers records from many
 * images, and coalesced records share one push), so the handler only replays each record's
 * outcome. When every record failed, batch's full-batch failure becomes `BatchFailedError`: the
 * invocation fails, the whole batch returns, and the error keeps our code and the first cause.
 */
async function finish(
  metrics: MetricSink,
  records: readonly SQSRecord[],
  failed: ReadonlyMap<string, unknown>,
  cause: unknown,
): Promise<SQSBatchResponse> {
  if (failed.size > 0) metrics.addMetric(METRIC.retriedRecords, 'Count', failed.size);
  try {
    return await processPartialResponse(
      { Records: [...records] },
      (record: SQSRecord) => {
        if (!failed.has(record.messageId)) return;
        const error = failed.get(record.messageId);
        throw error instanceof Error ? error : new Error(String(error));
      },
      new BatchProcessor(EventType.SQS),
    );
  } catch (error) {
    if (error instanceof FullBatchFailureError) throw new BatchFailedError(records.length, cause);
    throw error;
  }
}
