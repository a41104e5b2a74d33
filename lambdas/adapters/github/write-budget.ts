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
 */

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

export class WriteBudget {
  private readonly admitted: number[] = [];
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
    if (this.windows.length > 0 && options?.weight !== 0) await this.admit();
    return task(...args);
  }

  /** First come, first served: a write waits for the ones queued before it. */
  private admit(): Promise<void> {
    const mine = this.turn.then(() => this.take());
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async take(): Promise<void> {
    for (;;) {
      const wait = this.waitFor(this.now());
      if (wait <= 0) break;
      if (wait > this.maxWaitMs) throw new WriteBudgetExhaustedError(wait);
      await this.sleep(wait);
    }
    this.admitted.push(this.now());
    const horizon = this.now() - Math.max(...this.windows.map((w) => w.ms));
    while (this.admitted.length > 0 && (this.admitted[0] as number) <= horizon) this.admitted.shift();
  }

  /** Milliseconds until one more write fits in every window. */
  waitFor(now: number): number {
    let wait = 0;
    for (const window of this.windows) {
      let inWindow = 0;
      for (let i = this.admitted.length - 1; i >= 0 && (this.admitted[i] as number) > now - window.ms; i--)
        inWindow += 1;
      if (inWindow >= window.max) {
        const oldest = this.admitted[this.admitted.length - window.max] as number;
        wait = Math.max(wait, oldest + window.ms - now);
      }
    }
    return wait;
  }
}
