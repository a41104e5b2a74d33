/**
 * The one place an Octokit is built: REST + GraphQL, with the throttling plugin (honours
 * `retry-after` and `x-ratelimit-*`), the retry plugin (5xx and network), the write budget
 * (GitHub's secondary limits on content-creating requests) and abort handling, in that order
 * from the innermost hook out.
 */
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import BottleneckLight from 'bottleneck/light.js';
import { abortable, fetchWithTimeout } from './abort.ts';
import { writeBudget } from './write-budget-plugin.ts';

export const UpdaterOctokit = Octokit.plugin(throttling, retry, writeBudget, abortable);
export type UpdaterOctokit = InstanceType<typeof UpdaterOctokit>;

export interface OctokitOptions {
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  readonly baseUrl?: string;
  readonly auth?: unknown;
  readonly authStrategy?: unknown;
  /** How often a throttled or failed request is retried before the error reaches the caller. */
  readonly retries?: number;
  /**
   * Content-creating requests allowed per minute from this process (and the same share of
   * GitHub's 500 an hour). GitHub's secondary limit is 80 a minute per installation; a deployment
   * with N concurrent writers sets 80 / N. 0 disables the client-side budget (tests).
   */
  readonly writesPerMinute?: number;
  /**
   * Content-creating requests allowed per hour from this process; default: the same share of
   * GitHub's 500 an hour as `writesPerMinute` is of its 80 a minute. 0 = no hourly budget.
   */
  readonly writesPerHour?: number;
  /**
   * How long the budget's minute lasts, in real milliseconds (default 60 000). Only the bench
   * changes it: it runs GitHub's rate-limit windows on an accelerated clock.
   */
  readonly budgetMinuteMs?: number;
  /** Base of the `retry-after` multiplier (ms a second); tests shrink it. */
  readonly retryAfterBaseMs?: number;
  readonly userAgent?: string;
  readonly log?: {
    debug(m: string): void;
    info(m: string): void;
    warn(m: string): void;
    error(m: string): void;
  };
  readonly fetch?: typeof fetch;
  /**
   * How long one HTTP attempt may take before it fails (retryable, `GITHUB_UNREACHABLE`): a
   * GitHub that accepts connections and never answers must not hold work for undici's 5 minutes.
   * @default 60 000
   */
  readonly requestTimeoutMs?: number;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** GitHub's documented secondary limits on content-creating requests. */
const SECONDARY_PER_MINUTE = 80;
const SECONDARY_PER_HOUR = 500;
/** The longest `retry-after` waited out inside an invocation. */
const MAX_RETRY_AFTER_SECONDS = 60;

export function createOctokit(options: OctokitOptions): UpdaterOctokit {
  const retries = options.retries ?? 3;
  const writesPerMinute = options.writesPerMinute ?? 80;
  const retryAfterBaseMs = options.retryAfterBaseMs ?? 1000;
  const waitOut = (retryAfter: number, retryCount: number) =>
    retryCount < retries &&
    retryAfter <= MAX_RETRY_AFTER_SECONDS &&
    retryAfter * retryAfterBaseMs <= octokit.writeBudget.msUntilDeadline();
  const octokit: UpdaterOctokit = new UpdaterOctokit({
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/$/, '') } : {}),
    ...(options.auth !== undefined ? { auth: options.auth } : {}),
    ...(options.authStrategy !== undefined ? { authStrategy: options.authStrategy } : {}),
    userAgent: options.userAgent ?? 'image-updater',
    log: options.log ?? quiet,
    request: { fetch: fetchWithTimeout(options.requestTimeoutMs ?? 60_000, options.fetch) },
    retry: {
      retries,
      retryAfterBaseValue: retryAfterBaseMs,
      doNotRetry: [304, 400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
    // GitHub allows 80 content-creating requests a minute and 500 an hour; an instance with a
    // share of the first gets the same share of the second.
    writeBudget: {
      perMinute: writesPerMinute,
      perHour:
        options.writesPerHour ?? Math.floor((writesPerMinute * SECONDARY_PER_HOUR) / SECONDARY_PER_MINUTE),
      ...(options.budgetMinuteMs !== undefined ? { minuteMs: options.budgetMinuteMs } : {}),
    },
    throttle: {
      // The write budget admits writes (bursts within it go out at once); the plugin's default
      // write group would space every write a second apart, adding ~5 s to each push → PR. So
      // this Octokit gets its own real groups through the plugin's typed `write` and
      // `notifications` options (ThrottlingOptions; the plugin's own tests configure `write` the
      // same way): writes unlimited, notification-triggering writes at most 10 at a time.
      write: new BottleneckLight.Group(),
      notifications: new BottleneckLight.Group({ maxConcurrent: 10 }),
      retryAfterBaseValue: retryAfterBaseMs,
      fallbackSecondaryRateRetryAfter: 60,
      // A wait longer than a minute (an exhausted hourly budget), or one ending after the
      // invocation's deadline, would outlast the function: the error reaches the worker, which
      // hands the events back to the queue.
      onRateLimit: (retryAfter, _options, _octokit, retryCount) => waitOut(retryAfter, retryCount),
      onSecondaryRateLimit: (retryAfter, _options, _octokit, retryCount) => waitOut(retryAfter, retryCount),
    },
  });
  return octokit;
}
