/**
 * `serve`'s delayed work: one timer per held push, which hands the push back to the in-process
 * queue when it is due. Timers are unref'd (a pending one never keeps the process alive) and
 * cleared on shutdown, each one still waiting handed back in the log: `serve` keeps no state on
 * disk and runs no reconcile, so a push held across a restart is applied by its next event (a
 * re-push, or a redelivery of the webhook).
 */
import { DelayedWorkError, wakeUpKey, type DelayedWork } from '../../ports/delayed-work.ts';
import type { PushedImage } from '../../core/push.ts';
import type { PushQueue } from '../../ports/push-queue.ts';
import type { Log } from '../../ports/telemetry.ts';
import { errorFields } from '../../errors.ts';

/** setTimeout's longest delay (about 24.8 days); a longer wait is set again in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TimerDelayedWorkOptions {
  readonly queue: PushQueue;
  readonly log: Log;
  /** Pending wake-ups at most; beyond it a push is refused (and retried by its sender). @default 10 000 */
  readonly maxPending?: number;
  readonly now?: () => number;
}

export class TimerDelayedWork implements DelayedWork {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; at: number; push: PushedImage }>();
  private closed = false;

  constructor(private readonly options: TimerDelayedWorkOptions) {}

  get pending(): number {
    return this.timers.size;
  }

  async scheduleAt(due: Date, push: PushedImage): Promise<void> {
    const key = wakeUpKey(due, push);
    if (this.closed || this.timers.has(key)) return;
    const max = this.options.maxPending ?? 10_000;
    if (this.timers.size >= max)
      throw new DelayedWorkError('TOO_MANY_TIMERS', `${max} held pushes are waiting already`, {
        retryable: false,
      });
    this.arm(key, due.getTime(), push);
  }

  /**
   * Clears every timer. What they would have queued is handed back as the queue hands back an
   * accepted push: one line each, for the operator (a re-push, or `plan`, applies it).
   */
  close(): void {
    this.closed = true;
    for (const { timer, at, push } of this.timers.values()) {
      clearTimeout(timer);
      this.options.log.warn('held push handed back: serve stopped before it was due', {
        image: push.image,
        tag: push.tag,
        ...(push.digest ? { digest: push.digest } : {}),
        due: new Date(at).toISOString(),
      });
    }
    this.timers.clear();
  }

  private arm(key: string, at: number, push: PushedImage): void {
    const wait = Math.max(0, at - (this.options.now ?? Date.now)());
    const timer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) return this.arm(key, at, push);
        this.timers.delete(key);
        this.options.queue.enqueue([{ push, source: 'release-age' }]).catch((error: unknown) =>
          this.options.log.error('held push not queued when due', {
            image: push.image,
            tag: push.tag,
            ...errorFields(error),
          }),
        );
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(key, { timer, at, push });
  }
}
