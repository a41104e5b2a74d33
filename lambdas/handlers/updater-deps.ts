/** What the worker and the reconcile share: their dependencies and the write deadline. */
import type { Context } from 'aws-lambda';
import type { ApplyOptions } from '../core/apply/apply.ts';
import type { GitHost } from '../ports/git-host.ts';
import type { TagLister } from '../ports/tag-lister.ts';
import type { DelayedWork } from '../ports/delayed-work.ts';
import type { Log, MetricSink } from '../ports/telemetry.ts';
import type { ImageIndex } from '../ports/image-index.ts';
import type { WatchedRepo } from './env.ts';
import { RepoDirectory, type Discovery } from './repo-directory.ts';

/** What the worker and the reconcile both need: the production wiring builds it once. */
export interface UpdaterDeps {
  /** The static list of repositories; empty with `discovery`. */
  readonly repos: readonly WatchedRepo[];
  /** With a GitHub App and no static list: its installations' repositories, filtered. */
  readonly discovery?: Discovery;
  /** image → repositories; without it every watched repository runs on every push. */
  readonly index?: ImageIndex;
  /** GitHub's `push` events keep the index fresh, so it alone picks a push's repositories. */
  readonly trustIndex?: boolean;
  /** Built from the fields above unless given (`serve` shares the one it builds at start). */
  readonly directory?: RepoDirectory;
  /** The GitHub host with current credentials (read from Secrets Manager, cached). */
  readonly host: () => Promise<GitHost>;
  /** Called when GitHub rejected the credentials, so the next run reads them again. */
  readonly credentialsRejected?: () => void;
  readonly tagLister?: TagLister;
  /**
   * Wakes pushes `minimumReleaseAge` holds, and promotions `promote.after` holds, when they are
   * due (Scheduler, or serve's timers).
   */
  readonly delayedWork?: DelayedWork;
  /** The clock `minimumReleaseAge` and `promote.after` are measured with (epoch ms). */
  readonly now?: () => number;
  readonly log: Log;
  readonly metrics: MetricSink;
  /** Repositories worked on at once. */
  readonly concurrency?: number;
  readonly apply?: Omit<ApplyOptions, 'configPath' | 'memo' | 'loadConfig'>;
  /**
   * How long before the function's timeout no write may start any more (default 15 s: the
   * writes of a unit already under way, and the response, still fit).
   */
  readonly deadlineMarginMs?: number;
}

/**
 * Writes that could only start after the function must have returned are refused instead: the
 * work they belong to is handed back (to the queue, or to the next reconcile) and the
 * invocation ends in time.
 */
export function setWriteDeadline(host: GitHost, deps: UpdaterDeps, context: Context | undefined): void {
  const remaining = context?.getRemainingTimeInMillis?.();
  host.setWriteDeadline?.(
    remaining === undefined ? undefined : remaining - (deps.deadlineMarginMs ?? 15_000),
  );
}

/** The worker's and the reconcile's view of the watched repositories, built once per instance. */
export function directoryOf(deps: UpdaterDeps, now?: () => number): RepoDirectory {
  if (deps.directory) return deps.directory;
  return new RepoDirectory({
    repos: deps.repos,
    log: deps.log,
    ...(deps.discovery ? { discovery: deps.discovery } : {}),
    ...(deps.index ? { index: deps.index } : {}),
    ...(deps.trustIndex ? { trustIndex: true } : {}),
    ...(now ? { now } : {}),
  });
}
