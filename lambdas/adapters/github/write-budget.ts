/**
 * The client side of GitHub's secondary rate limits: at most `perMinute` content-creating
 * requests in any sliding minute and `perHour` in any sliding hour, from this process. GitHub
 * counts per installation, so each function instance gets a share (the construct divides the
 * limits by the number of instances that can write at once).
 *
 * It stands in for the throttling plugin's `write` limiter (same `key().schedule()` shape). A
 * fixed-window reservoir would let two full windows through back to back (twice the limit in
 * one sliding minute); a sliding log cannot. A write that would wait longer than `maxWaitMs`
 * fails at once with a retryable error, so an instance that has spent its hourly share hands
 * its events back to the queue instead of holding them until the function times out.
 *
 * Two more guards keep a unit of work from stopping half-written (a tree and a commit without a
 * branch, a branch without its PR), which would cost more writes to repair than it saved:
 * - `reserve(n, work)` sets n writes aside before `work` starts, or fails before anything is sent;
 *   the writes `work` makes (tracked through AsyncLocalStorage, so concurrent units do not mix)
 *   use the reservation, and what it did not use is given back.
 * - `setDeadline(ms)` refuses any wait that would end after the invocation must return.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface WriteBudgetOptions {
  /** Writes in any sliding minute; 0 = no limit. */
  readonly perMinute: number;
  /** Writes in any sliding hour; 0 = no limit. */
  readonly perHour: number;
  /** Length of the minute in real milliseconds (default 60 000; the bench accelerates time). */
  readonly minuteMs?: number;
  /** The longest a write waits for budget (default: one minute). */
  readonly maxWaitMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A write refused by this process's own budget; nothing was sent to GitHub. */
export class WriteBudgetExhaustedError extends Error {
  override readonly name = 'WriteBudgetExhaustedError';
  /** Shaped like an Octokit error without a status, so neither plugin retries it. */
  readonly response = { headers: {}, data: {} };

  constructor(readonly waitMs: number) {
    super(
      `secondary-limit budget of this instance spent: the next content-creating request could go in ${Math.ceil(waitMs / 1000)} s`,
    );
  }
}

type Task = (...args: unknown[]) => unknown;

/** Writes set aside for one unit of work: slots in the log, handed to its requests one by one. */
interface Reservation {
  readonly slots: number[];
}

export class WriteBudget {
  private readonly admitted: number[] = [];
  private readonly reservations = new AsyncLocalStorage<Reservation>();
  private deadline: number | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private readonly windows: readonly { readonly ms: number; readonly max: number }[];
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: WriteBudgetOptions) {
    const minute = options.minuteMs ?? 60_000;
    this.windows = [
      { ms: minute, max: options.perMinute },
      { ms: minute * 60, max: options.perHour },
    ].filter((w) => w.max > 0);
    this.maxWaitMs = options.maxWaitMs ?? minute;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The throttling plugin asks its `write` group for a limiter per id; there is one budget. */
  key(): {
    schedule: (options: { weight?: number } | undefined, task: Task, ...args: unknown[]) => Promise<unknown>;
  } {
    return { schedule: (options, task, ...args) => this.schedule(options, task, args) };
  }

  private async schedule(
    options: { weight?: number } | undefined,
    task: Task,
    args: unknown[],
  ): Promise<unknown> {
    // The plugin re-sends a throttled or failed write with weight 0: it was admitted already.
    if (this.windows.length > 0 && options?.weight !== 0) {
      const reservation = this.reservations.getStore();
      const slot = reservation?.slots.pop();
      // A reserved slot is stamped again now, so the log holds when the write really went out.
      if (slot !== undefined) this.replace(slot, this.now());
      else await this.admit(1);
    }
    return task(...args);
  }

  /**
   * Runs `work` with `count` writes set aside in every window. When they cannot be had before
   * the longest allowed wait (or the deadline), it fails with `WriteBudgetExhaustedError` and
   * `work` never starts. Writes beyond `count` are admitted one by one as usual.
   */
  async reserve<T>(count: number, work: () => Promise<T>): Promise<T> {
    if (this.windows.length === 0 || count <= 0) return work();
    // A unit bigger than a whole window still goes; its last writes wait their turn.
    const slots = await this.admit(Math.min(count, ...this.windows.map((w) => w.max)));
    const reservation: Reservation = { slots };
    try {
      return await this.reservations.run(reservation, work);
    } finally {
      for (const slot of reservation.slots.splice(0)) this.replace(slot, undefined);
    }
  }

  /**
   * From now on, a write (or a reservation) that would have to wait beyond `remainingMs` fails
   * at once: the invocation hands its events back instead of being cut off mid-way.
   * `undefined` lifts it.
   */
  setDeadline(remainingMs: number | undefined): void {
    this.deadline = remainingMs === undefined ? undefined : this.now() + Math.max(0, remainingMs);
  }

  /** First come, first served: a write waits for the ones queued before it. */
  private admit(count: number): Promise<number[]> {
    const mine = this.turn.then(() => this.take(count));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async take(count: number): Promise<number[]> {
    for (;;) {
      const now = this.now();
      const wait = this.waitFor(now, count);
      if (wait <= 0) break;
      if (wait > this.maxWaitMs || (this.deadline !== undefined && now + wait > this.deadline))
        throw new WriteBudgetExhaustedError(wait);
      await this.sleep(wait);
    }
    const now = this.now();
    const slots = Array.from({ length: count }, () => now);
    this.admitted.push(...slots);
    const horizon = now - Math.max(...this.windows.map((w) => w.ms));
    while (this.admitted.length > 0 && (this.admitted[0] as number) <= horizon) this.admitted.shift();
    return slots;
  }

  /** Moves one logged write to `to` (a reserved write going out), or drops it (`undefined`). */
  private replace(at: number, to: number | undefined): void {
    const i = this.admitted.indexOf(at);
    if (i >= 0) this.admitted.splice(i, 1);
    if (to === undefined) return;
    this.admitted.push(to);
    this.admitted.sort((a, b) => a - b);
  }

  /**
   * Milliseconds until `count` more writes fit in every window; Infinity when they never can
   * (more than a window allows at all).
   */
  waitFor(now: number, count = 1): number {
    let wait = 0;
    for (const window of this.windows) {
      if (count > window.max) return Infinity;
      let inWindow = 0;
      for (let i = this.admitted.length - 1; i >= 0 && (this.admitted[i] as number) > now - window.ms; i--)
        inWindow += 1;
      if (inWindow + count > window.max) {
        // The write that must leave the window before `count` more fit.
        const oldest = this.admitted[this.admitted.length - (window.max - count + 1)] as number;
        wait = Math.max(wait, oldest + window.ms - now);
      }
    }
    return wait;
  }
}
