/**
 * The client side of GitHub's secondary rate limits: at most `perMinute` content-creating
 * requests in any sliding minute and `perHour` in any sliding hour, from this process. GitHub
 * counts per installation, so each function instance gets a share (the construct divides the
 * limits by the number of instances that can write at once).
 *
 * It is consulted by the `writeBudget` Octokit plugin (`write-budget-plugin.ts`) before each
 * content-creating request, in the caller's async context. A fixed-window reservoir would let two full windows through back to back (twice the limit in
 * one sliding minute); a sliding log cannot. A write that would wait longer than `maxWaitMs`
 * fails at once with a retryable error, so an instance that has spent its hourly share hands
 * its events back to the queue instead of holding them until the function times out.
 *
 * Two more guards keep a unit of work from stopping half-written (a tree and a commit without a
 * branch, a branch without its PR), which would cost more writes to repair than it saved:
 * - `reserve(n, work)` sets n writes aside before `work` starts, or fails before anything is sent.
 *   Held slots count against every window until used or given back; a write is logged when it
 *   goes out, never earlier, so the windows always hold the real send times. The writes `work`
 *   makes (tracked through AsyncLocalStorage, so concurrent units do not mix) use the
 *   reservation; beyond it they wait as long as the windows need, since giving up half-way
 *   would leave the unit half-written.
 * - `setDeadline(ms)` refuses a reservation once the deadline has passed, and any wait that
 *   would end after it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ImageUpdaterError } from '../../errors.ts';
import { defined } from '../../objects.ts';

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
export class WriteBudgetExhaustedError extends ImageUpdaterError {
  readonly code = 'WRITE_BUDGET_EXHAUSTED';

  constructor(readonly waitMs: number) {
    super(
      `secondary-limit budget of this instance spent: the next content-creating request could go in ${Math.ceil(waitMs / 1000)} s`,
      { retryable: true },
    );
  }
}

/** A write whose work was given up while it waited for budget; nothing was sent. */
class WriteAbortedError extends Error {
  override readonly name = 'AbortError';
}

/** Writes set aside for one unit of work, handed to its requests one by one. */
interface Reservation {
  left: number;
}

/** How a request for budget may wait. */
interface Admission {
  /** Set the slots aside (a reservation) instead of logging them as sent now. */
  readonly hold: boolean;
  /** Part of a unit already under way: no `maxWaitMs`, no queueing behind other requests. */
  readonly started: boolean;
  /** The request's work was given up: stop waiting (nothing was sent). */
  readonly signal?: AbortSignal;
}

export class WriteBudget {
  /** Send times of the writes still inside the longest window, oldest first. */
  private readonly sent: number[] = [];
  /** Slots reserved and not yet used: they count against every window. */
  private held = 0;
  private readonly reservations = new AsyncLocalStorage<Reservation>();
  private deadline: number | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private readonly windows: readonly { readonly ms: number; readonly max: number }[];
  private readonly maxWaitMs: number;
  /** How often a request blocked only by other units' reservations looks again. */
  private readonly pollMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: WriteBudgetOptions) {
    const minute = options.minuteMs ?? 60_000;
    this.windows = [
      { ms: minute, max: options.perMinute },
      { ms: minute * 60, max: options.perHour },
    ].filter((w) => w.max > 0);
    this.maxWaitMs = options.maxWaitMs ?? minute;
    this.pollMs = minute / 60;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Waits until one more write may go out now (a slot of the caller's reservation, or room in
   * the windows) and logs it as sent; rejects when the budget cannot have it in time
   * (`WriteBudgetExhaustedError`) or `signal` aborts first (nothing was sent either way).
   */
  async beforeWrite(signal?: AbortSignal): Promise<void> {
    if (this.windows.length > 0) {
      const reservation = this.reservations.getStore();
      if (reservation && reservation.left > 0) {
        reservation.left -= 1;
        this.held -= 1;
        this.log(this.now(), 1);
      } else {
        await this.admit(1, {
          hold: false,
          started: reservation !== undefined,
          ...defined({ signal }),
        });
      }
    }
    if (signal?.aborted) throw new WriteAbortedError();
  }

  /**
   * Runs `work` with `count` writes set aside in every window. When they cannot be had before
   * the longest allowed wait (or the deadline, or the deadline has passed), it fails with
   * `WriteBudgetExhaustedError` and `work` never starts.
   */
  async reserve<T>(count: number, work: () => Promise<T>): Promise<T> {
    if (this.windows.length === 0 || count <= 0) return work();
    // A unit bigger than a whole window still goes; its last writes wait their turn.
    const slots = Math.min(count, ...this.windows.map((w) => w.max));
    await this.admit(slots, { hold: true, started: false });
    const reservation: Reservation = { left: slots };
    try {
      return await this.reservations.run(reservation, work);
    } finally {
      this.held -= reservation.left;
      reservation.left = 0;
    }
  }

  /**
   * From now on, a reservation fails once `remainingMs` has passed, and a write or reservation
   * that would have to wait beyond it fails at once: the invocation hands its events back
   * instead of being cut off mid-way. `undefined` lifts it.
   */
  setDeadline(remainingMs: number | undefined): void {
    this.deadline = remainingMs === undefined ? undefined : this.now() + Math.max(0, remainingMs);
  }

  /** Milliseconds left before the deadline; Infinity without one. */
  msUntilDeadline(): number {
    return this.deadline === undefined ? Infinity : Math.max(0, this.deadline - this.now());
  }

  /**
   * First come, first served: a request waits for the ones queued before it. A write of a unit
   * already under way goes straight to the windows: queued behind a reservation that waits for
   * that very unit to finish, it would stall both.
   */
  private admit(count: number, how: Admission): Promise<void> {
    if (how.started) return this.take(count, how);
    const mine = this.turn.then(() => this.take(count, how));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async take(count: number, how: Admission): Promise<void> {
    const giveUpAt = how.started ? Infinity : this.now() + this.maxWaitMs;
    for (;;) {
      const now = this.now();
      if (how.hold && this.deadline !== undefined && now >= this.deadline)
        throw new WriteBudgetExhaustedError(0);
      const wait = this.waitFor(now, count);
      if (wait <= 0) break;
      // Other units' reservations may be given back before then: the earliest it could be is
      // when only the sent writes count, and a look again every poll finds out.
      const earliest = this.held > 0 ? this.waitFor(now, count, 0) : wait;
      if (
        earliest === Infinity ||
        now + earliest > giveUpAt ||
        (this.deadline !== undefined && now + earliest > this.deadline)
      )
        throw new WriteBudgetExhaustedError(wait === Infinity ? earliest : wait);
      await this.pause(this.held > 0 ? Math.min(wait, this.pollMs) : wait, how.signal);
    }
    if (how.hold) this.held += count;
    else this.log(this.now(), count);
  }

  /** A wait that ends early (rejecting) when the request's work is given up. */
  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.sleep(ms);
    if (signal.aborted) throw new WriteAbortedError();
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        this.sleep(ms),
        new Promise<never>((_resolve, reject) => {
          onAbort = () => reject(new WriteAbortedError());
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  private log(at: number, count: number): void {
    for (let i = 0; i < count; i++) this.sent.push(at);
    // Clocks are monotonic, but a test's may stand still or be set: keep the log ordered.
    const last = this.sent.length - count - 1;
    if (last >= 0 && (this.sent[last] as number) > at) this.sent.sort((a, b) => a - b);
    const horizon = at - Math.max(...this.windows.map((w) => w.ms));
    while (this.sent.length > 0 && (this.sent[0] as number) <= horizon) this.sent.shift();
  }

  /**
   * Milliseconds until `count` more writes fit in every window, next to the slots held by
   * reservations; Infinity when time alone cannot make room (more than a window allows at all,
   * or room that only a reservation being given back can free).
   */
  waitFor(now: number, count = 1, held = this.held): number {
    let wait = 0;
    for (const window of this.windows) {
      const free = window.max - held;
      if (count > free) return Infinity;
      let inWindow = 0;
      for (let i = this.sent.length - 1; i >= 0 && (this.sent[i] as number) > now - window.ms; i--)
        inWindow += 1;
      if (inWindow + count > free) {
        // The write that must leave the window before `count` more fit.
        const oldest = this.sent[this.sent.length - (free - count + 1)] as number;
        wait = Math.max(wait, oldest + window.ms - now);
      }
    }
    return wait;
  }
}
