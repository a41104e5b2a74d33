/**
 * The one place an Octokit is built: REST + GraphQL, with the throttling plugin (honours
 * `retry-after` and `x-ratelimit-*`, queues writes) and the retry plugin (5xx and network).
 */
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import BottleneckLight from 'bottleneck/light.js';

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
   * Content-creating requests allowed per minute from this process. GitHub's secondary limit is
   * 80 a minute per installation; a deployment with N concurrent workers sets 80 / N.
   * 0 disables the client-side budget (tests).
   */
  readonly writesPerMinute?: number;
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
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export function createOctokit(options: OctokitOptions): UpdaterOctokit {
  const retries = options.retries ?? 3;
  const writesPerMinute = options.writesPerMinute ?? 80;
  // Bursts up to the budget go out at once; the plugin's default (one write a second, one
  // notifying write every three seconds) would add ~5 s to every push → PR.
  const write = new BottleneckLight.Group(
    writesPerMinute > 0
      ? {
          maxConcurrent: 10,
          reservoir: writesPerMinute,
          reservoirRefreshAmount: writesPerMinute,
          reservoirRefreshInterval: 60_000,
        }
      : { maxConcurrent: 10 },
  );
  const notifications = new BottleneckLight.Group({ maxConcurrent: 10 });
  return new UpdaterOctokit({
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/$/, '') } : {}),
    ...(options.auth !== undefined ? { auth: options.auth } : {}),
    ...(options.authStrategy !== undefined ? { authStrategy: options.authStrategy } : {}),
    userAgent: options.userAgent ?? 'image-updater',
    log: options.log ?? quiet,
    ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
    retry: {
      retries,
      retryAfterBaseValue: options.retryAfterBaseMs ?? 1000,
      doNotRetry: [304, 400, 401, 403, 404, 409, 410, 422, 429, 451],
    },
    throttle: {
      write,
      notifications,
      retryAfterBaseValue: options.retryAfterBaseMs ?? 1000,
      fallbackSecondaryRateRetryAfter: 60,
      onRateLimit: (_retryAfter: number, _opts: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < retries,
      onSecondaryRateLimit: (_retryAfter: number, _opts: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < retries,
    },
  } as ConstructorParameters<typeof UpdaterOctokit>[0]);
}
