import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type Bottleneck from 'bottleneck';
import type { GitHubTestServer } from './server.ts';

/**
 * The real Octokit (REST + throttling + retry plugins) pointed at a test server, tuned so tests
 * do not sleep: retry delays are scaled from seconds to `retryDelayMs` per second, and the
 * throttling plugin's write/notification spacing (1 s and 3 s by default) is removed.
 */

export const TestOctokit = Octokit.plugin(throttling, retry);
export type TestOctokitInstance = InstanceType<typeof TestOctokit>;

/** A limiter group that schedules immediately (stands in for Bottleneck.Group). */
const passThroughGroup = {
  key: () => ({
    schedule: (_options: unknown, task: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve(task(...args)),
  }),
} as unknown as Bottleneck.Group;

export interface TestOctokitOptions {
  /** Token, or an `authStrategy` + `auth` pair (e.g. `createAppAuth`). Default: `test-token`. */
  readonly auth?: unknown;
  readonly authStrategy?: unknown;
  /** Real milliseconds waited per second of `retry-after` / retry backoff (default 1). */
  readonly retryDelayMs?: number;
  /** Retries granted by the rate-limit handlers (default 3). */
  readonly rateLimitRetries?: number;
  readonly retries?: number;
  /** Called on every secondary-rate-limit hit before deciding to retry (e.g. to advance a manual clock). */
  readonly onSecondaryRateLimit?: (retryAfterSeconds: number) => void;
  readonly onRateLimit?: (retryAfterSeconds: number) => void;
}

export function createTestOctokit(
  server: GitHubTestServer,
  options: TestOctokitOptions = {},
): TestOctokitInstance {
  const rateLimitRetries = options.rateLimitRetries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1;
  return new TestOctokit({
    baseUrl: server.url,
    ...(options.authStrategy ? { authStrategy: options.authStrategy } : {}),
    auth: options.auth ?? 'test-token',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    throttle: {
      retryAfterBaseValue: retryDelayMs,
      write: passThroughGroup,
      notifications: passThroughGroup,
      onSecondaryRateLimit: (
        retryAfter: number,
        _request: unknown,
        _octokit: unknown,
        retryCount: number,
      ) => {
        options.onSecondaryRateLimit?.(retryAfter);
        return retryCount < rateLimitRetries;
      },
      onRateLimit: (retryAfter: number, _request: unknown, _octokit: unknown, retryCount: number) => {
        options.onRateLimit?.(retryAfter);
        return retryCount < rateLimitRetries;
      },
    },
    retry: { retryAfterBaseValue: retryDelayMs, retries: options.retries ?? 3 },
  } as ConstructorParameters<typeof TestOctokit>[0]);
}
