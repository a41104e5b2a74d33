/**
 * The one place an Octokit is built: REST + GraphQL, with the throttling plugin (honours
 * `retry-after` and `x-ratelimit-*`, queues writes) and the retry plugin (5xx and network).
 */
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import BottleneckLight from 'bottleneck/light.js';
import { abortError, fetchWithTimeout, untilAborted } from './abort.ts';
import { WriteBudget } from './write-budget.ts';

export const UpdaterOctokit = Octokit.plugin(throttling, retry);
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

const budgets = new WeakMap<UpdaterOctokit, WriteBudget>();

/** The secondary-limit budget an Octokit's writes go through (reservations, deadlines). */
export function writeBudgetOf(octokit: UpdaterOctokit): WriteBudget | undefined {
  return budgets.get(octokit);
}

export function createOctokit(options: OctokitOptions): UpdaterOctokit {
  const retries = options.retries ?? 3;
  const writesPerMinute = options.writesPerMinute ?? 80;
  // GitHub allows 80 content-creating requests a minute and 500 an hour; an instance with a share
  // of the first gets the same share of the second. Bursts within the budget go out at once (the
  // plugin's default spacing, one write a second, would add ~5 s to every push → PR).
  const write = new WriteBudget({
    perMinute: writesPerMinute,
    perHour:
      options.writesPerHour ?? Math.floor((writesPerMinute * SECONDARY_PER_HOUR) / SECONDARY_PER_MINUTE),
    ...(options.budgetMinuteMs !== undefined ? { minuteMs: options.budgetMinuteMs } : {}),
  });
  const notifications = new BottleneckLight.Group({ maxConcurrent: 10 });
  const retryAfterBaseMs = options.retryAfterBaseMs ?? 1000;
  const waitOut = (retryAfter: number, retryCount: number) =>
    retryCount < retries &&
    retryAfter <= MAX_RETRY_AFTER_SECONDS &&
    retryAfter * retryAfterBaseMs <= write.msUntilDeadline();
  const octokit = new UpdaterOctokit({
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/$/, '') } : {}),
    ...(options.auth !== undefined ? { auth: options.auth } : {}),
    ...(options.authStrategy !== undefined ? { authStrategy: options.authStrategy } : {}),
    userAgent: options.userAgent ?? 'image-updater',
    log: options.log ?? quiet,
    request: { fetch: fetchWithTimeout(options.requestTimeoutMs ?? 60_000, options.fetch) },
    retry: {
      retries,
      retryAfterBaseValue: options.retryAfterBaseMs ?? 1000,
      doNotRetry: [304, 400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
    throttle: {
      // Writes are admitted by the budget before they reach the plugin (the hook below); the
      // plugin only calls `key(id).schedule(options, task)` on its write group.
      write: ADMITTED as unknown as InstanceType<typeof BottleneckLight.Group>,
      notifications,
      retryAfterBaseValue: retryAfterBaseMs,
      fallbackSecondaryRateRetryAfter: 60,
      // A wait longer than a minute (an exhausted hourly budget), or one ending after the
      // invocation's deadline, would outlast the function: the error reaches the worker, which
      // hands the events back to the queue.
      onRateLimit: (retryAfter: number, _opts: unknown, _octokit: unknown, retryCount: number) =>
        waitOut(retryAfter, retryCount),
      onSecondaryRateLimit: (retryAfter: number, _opts: unknown, _octokit: unknown, retryCount: number) =>
        waitOut(retryAfter, retryCount),
    },
  } as ConstructorParameters<typeof UpdaterOctokit>[0]);
  // The outermost hook, so it runs in the caller's async context: the plugins run requests
  // through Bottleneck queues, where a request can run in whichever context drained the queue,
  // and the budget must know which unit of work (reservation) a write belongs to. A write the
  // plugins send again (after a 5xx or a `retry-after`) is inside this hook: admitted once.
  //
  // A request's `request.signal` (its work's) stops it here too: an aborted one rejects at once,
  // and a caller waiting on the plugins (a retry's backoff, a `retry-after`, the budget) is
  // answered at once. What they still run later meets the aborted signal in fetch: nothing is sent.
  octokit.hook.wrap('request', (request, options) => {
    const signal = options.request?.signal;
    if (signal?.aborted) return Promise.reject(abortError());
    const sent = createsContent(options.method, String(options.url))
      ? (write.key().schedule({ ...(signal ? { signal } : {}) }, () => request(options)) as ReturnType<
          typeof request
        >)
      : request(options);
    return untilAborted(Promise.resolve(sent), signal) as ReturnType<typeof request>;
  });
  budgets.set(octokit, write);
  return octokit;
}

/** What GitHub's secondary limit and the throttling plugin count: every non-GET, and GraphQL. */
function createsContent(method: string | undefined, url: string): boolean {
  return (method !== 'GET' && method !== 'HEAD') || url.startsWith('/graphql');
}

/** A write group that lets everything through: the budget admitted the write already. */
const ADMITTED = {
  key: () => ({ schedule: (_options: unknown, task: () => unknown) => task() }),
};
