import type { Clock } from './clock.ts';

/**
 * GitHub's rate limits. Primary: a request budget per identity and resource that resets an hour
 * after the window opened. Secondary: content-creating requests (POST/PATCH/PUT/DELETE and
 * GraphQL mutations) per minute and per hour; GitHub documents 80/minute and 500/hour.
 */

export interface RateLimitOptions {
  /** Requests per hour per identity and resource (GitHub: 5000 for tokens and installations). */
  readonly limit?: number;
  readonly secondary?: { readonly perMinute?: number; readonly perHour?: number } | false;
}

export interface RateSnapshot {
  readonly limit: number;
  readonly remaining: number;
  readonly used: number;
  /** Epoch seconds. */
  readonly reset: number;
  readonly resource: string;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();
  private readonly writes = new Map<string, number[]>();
  private readonly limit: number;
  private readonly perMinute: number;
  private readonly perHour: number;

  constructor(
    private readonly clock: Clock,
    options: RateLimitOptions = {},
  ) {
    this.limit = options.limit ?? 5000;
    const secondary =
      options.secondary === false ? { perMinute: Infinity, perHour: Infinity } : (options.secondary ?? {});
    this.perMinute = secondary.perMinute ?? 80;
    this.perHour = secondary.perHour ?? 500;
  }

  private window(key: string, resource: string): { start: number; used: number } {
    const now = this.clock.now();
    const id = `${key}\0${resource}`;
    let window = this.windows.get(id);
    if (!window || now >= window.start + HOUR) {
      window = { start: now, used: 0 };
      this.windows.set(id, window);
    }
    return window;
  }

  snapshot(key: string, resource: string): RateSnapshot {
    const window = this.window(key, resource);
    return {
      limit: this.limit,
      remaining: Math.max(this.limit - window.used, 0),
      used: window.used,
      reset: Math.ceil((window.start + HOUR) / 1000),
      resource,
    };
  }

  /** Counts one request; `exceeded` when the budget was already spent (the request is refused). */
  consume(key: string, resource: string): { snapshot: RateSnapshot; exceeded: boolean } {
    const window = this.window(key, resource);
    if (window.used >= this.limit) return { snapshot: this.snapshot(key, resource), exceeded: true };
    window.used += 1;
    return { snapshot: this.snapshot(key, resource), exceeded: false };
  }

  /** Gives a request back (GitHub does not count conditional requests answered with 304). */
  refund(key: string, resource: string): RateSnapshot {
    const window = this.window(key, resource);
    window.used = Math.max(window.used - 1, 0);
    return this.snapshot(key, resource);
  }

  /** Forces the primary budget to be spent (fault injection). */
  exhaust(key: string, resource: string): RateSnapshot {
    this.window(key, resource).used = this.limit;
    return this.snapshot(key, resource);
  }

  /** Seconds to wait before another content-creating request, or 0 if one may go now. */
  secondaryRetryAfter(key: string): number {
    const now = this.clock.now();
    const recent = (this.writes.get(key) ?? []).filter((at) => at > now - HOUR);
    this.writes.set(key, recent);
    const lastMinute = recent.filter((at) => at > now - MINUTE);
    let waitMs = 0;
    if (lastMinute.length >= this.perMinute) {
      waitMs = Math.max(waitMs, (lastMinute[lastMinute.length - this.perMinute] as number) + MINUTE - now);
    }
    if (recent.length >= this.perHour) {
      waitMs = Math.max(waitMs, (recent[recent.length - this.perHour] as number) + HOUR - now);
    }
    return waitMs > 0 ? Math.max(Math.ceil(waitMs / 1000), 1) : 0;
  }

  recordWrite(key: string): void {
    const list = this.writes.get(key) ?? [];
    list.push(this.clock.now());
    this.writes.set(key, list);
  }
}
