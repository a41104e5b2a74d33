/**
 * `serve`'s delayed work: one timer per held push (or per repository and due time, for held
 * promotions), which hands the push (or a `promotion-due` event) to the in-process queue when it
 * is due. Timers are unref'd (a pending one never keeps the process alive) and
 * cleared on shutdown, each one still waiting handed back in the log: `serve` keeps no state on
 * disk and runs no reconcile, so a push held across a restart is applied by its next event (a
 * re-push, or a redelivery of the webhook).
 */
import { DelayedWorkError, repoRunKey, wakeUpKey, type DelayedWork } from '../../ports/delayed-work.ts';
import type { PushedImage } from '../../core/push.ts';
import type { PushQueue, QueuedMessage } from '../../ports/push-queue.ts';
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

/** What a timer queues when it fires, and what its log lines name. */
interface Wake {
  /** `push` or `promotion`, in the log lines. */
  readonly what: string;
  readonly message: QueuedMessage;
  readonly fields: Readonly<Record<string, string>>;
}

export class TimerDelayedWork implements DelayedWork {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; at: number; wake: Wake }>();
  private closed = false;

  constructor(private readonly options: TimerDelayedWorkOptions) {}

  get pending(): number {
    return this.timers.size;
  }

  async scheduleAt(due: Date, push: PushedImage): Promise<void> {
    this.add(wakeUpKey(due, push), due, {
      what: 'push',
      message: { push, source: 'release-age' },
      fields: { image: push.image, tag: push.tag, ...(push.digest ? { digest: push.digest } : {}) },
    });
  }

  async scheduleRepoRun(due: Date, repo: string): Promise<void> {
    const key = repoRunKey(due, repo);
    this.add(key, due, {
      what: 'promotion',
      message: { event: { type: 'promotion-due', repo }, source: 'scheduler', id: key },
      fields: { repo },
    });
  }

  /**
   * Clears every timer. What they would have queued is handed back as the queue hands back an
   * accepted push: one line each, for the operator (a re-push, or `plan`, applies it).
   */
  close(): void {
    this.closed = true;
    for (const { timer, at, wake } of this.timers.values()) {
      clearTimeout(timer);
      this.options.log.warn(`held ${wake.what} handed back: serve stopped before it was due`, {
        ...wake.fields,
        due: new Date(at).toISOString(),
      });
    }
    this.timers.clear();
  }

  private add(key: string, due: Date, wake: Wake): void {
    if (this.closed || this.timers.has(key)) return;
    const max = this.options.maxPending ?? 10_000;
    if (this.timers.size >= max)
      throw new DelayedWorkError('TOO_MANY_TIMERS', `${max} held pushes or promotions are waiting already`, {
        retryable: false,
      });
    this.arm(key, due.getTime(), wake);
  }

  private arm(key: string, at: number, wake: Wake): void {
    const wait = Math.max(0, at - (this.options.now ?? Date.now)());
    const timer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) return this.arm(key, at, wake);
        this.timers.delete(key);
        this.options.queue.enqueue([wake.message]).catch((error: unknown) =>
          this.options.log.error(`held ${wake.what} not queued when due`, {
            ...wake.fields,
            ...errorFields(error),
          }),
        );
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(key, { timer, at, wake });
  }
}
