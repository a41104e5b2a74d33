/**
 * Work that must happen later without a new event (SPEC §8): a push `minimumReleaseAge` holds is
 * put back on the worker's queue when it is due, and a promotion `promote.after` holds has its
 * repository run then (docs/promotion.md). In AWS an EventBridge Scheduler one-time
 * schedule (`adapters/scheduler/`), in `serve` a timer (`adapters/local/timer-delayed-work.ts`).
 */
import type { PushedImage } from '../core/push.ts';
import { ImageUpdaterError } from '../errors.ts';

export interface DelayedWork {
  /**
   * Puts `push` back on the worker's queue at `due` (or soon after). Idempotent: the same push
   * and due time asked for twice is queued once. Resolves once the wake-up is durably set;
   * throws a `DelayedWorkError` otherwise, so the event that asked is retried and nothing is lost.
   */
  scheduleAt(due: Date, push: PushedImage): Promise<void>;
  /**
   * Queues a run of `repo`'s promotions at `due` (a `promotion-due` repository event): a
   * promotion `promote.after` holds is decided again then, without another event. Idempotent
   * and durable as `scheduleAt`.
   */
  scheduleRepoRun(due: Date, repo: string): Promise<void>;
}

type DelayedWorkErrorCode =
  /** The scheduler refused or failed the request (throttling, a service error). */
  | 'SCHEDULE_FAILED'
  /** `serve` holds as many timers as it allows; the event is handed back to its sender. */
  | 'TOO_MANY_TIMERS';

export class DelayedWorkError extends ImageUpdaterError {
  constructor(
    readonly code: DelayedWorkErrorCode,
    message: string,
    options: { readonly cause?: unknown; readonly retryable?: boolean } = {},
  ) {
    super(message, { retryable: true, ...options });
  }
}

/**
 * What identifies one wake-up: the same push and due time give the same key, so a duplicate
 * event's request collapses into the first. A newer push of another tag has a key of its own, so
 * it never moves an older tag's wake-up.
 */
export function wakeUpKey(due: Date, push: PushedImage): string {
  return JSON.stringify([push.image, push.tag, push.digest ?? '', due.toISOString()]);
}

/** What identifies one repository run's wake-up: every promotion of `repo` due then shares it. */
export function repoRunKey(due: Date, repo: string): string {
  return JSON.stringify(['promotion-due', repo.toLowerCase(), due.toISOString()]);
}
