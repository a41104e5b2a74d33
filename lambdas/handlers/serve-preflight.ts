/**
 * `serve`'s start-up check: before it takes a webhook, each `--repo` is read once through the
 * GitHub adapter (for an App, after its installation lookup). Credentials GitHub rejects or a
 * repository they cannot see stop the start (one line, exit 2): every push would fail later,
 * after its webhook was answered 202. A GitHub that cannot be reached only warns: the registry
 * and the network may come up after `serve`.
 */
import { workController } from '../adapters/github/abort.ts';
import { ImageUpdaterError } from '../errors.ts';
import type { GitHost } from '../ports/git-host.ts';
import type { WatchedRepo } from './env.ts';
import type { Log } from '../ports/telemetry.ts';
import { errorFields } from '../errors.ts';

export class ServeStartError extends ImageUpdaterError {
  readonly code = 'SERVE_START_CHECK_FAILED';
}

/** Codes that say the credentials or the repository are wrong, not that GitHub is away. */
const FATAL = new Set([
  'GITHUB_UNAUTHORIZED',
  'GITHUB_FORBIDDEN',
  'GITHUB_NOT_FOUND',
  'GITHUB_NOT_INSTALLED',
]);

export interface PreflightOptions {
  /** How long GitHub may take to answer before `serve` starts anyway. @default 10 000 */
  readonly timeoutMs?: number;
}

export async function checkGitHubAccess(
  host: GitHost,
  repos: readonly WatchedRepo[],
  log: Log,
  options: PreflightOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const work = workController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    work.abort();
  }, timeoutMs);
  let results: { repo: string; error?: unknown }[];
  try {
    results = await Promise.all(
      repos.map(async ({ repo }) => {
        const [owner, name] = repo.split('/') as [string, string];
        try {
          const client = await host.repo({ owner, name }, { signal: work.signal });
          await client.checkAccess?.();
          return { repo };
        } catch (error) {
          return { repo, error };
        }
      }),
    );
  } finally {
    clearTimeout(timer);
    work.abort();
  }
  const failed = results.filter((r) => r.error !== undefined);
  const fatal = failed.filter((r) => FATAL.has(String(errorFields(r.error).errorCode)));
  const rejected = fatal.find((r) => errorFields(r.error).errorCode === 'GITHUB_UNAUTHORIZED');
  if (rejected)
    throw new ServeStartError(
      `GitHub rejected the credentials (check GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY): ${errorFields(rejected.error).errorMessage}`,
    );
  if (fatal.length > 0)
    throw new ServeStartError(
      `not accessible with these credentials: ${fatal.map((r) => `${r.repo} (${errorFields(r.error).errorCode})`).join(', ')}`,
    );
  for (const { repo, error } of failed) {
    // Given up by our own timer, the request reports ABORTED; what the user needs to read is
    // that GitHub did not answer (refused connections are retried until then).
    const gaveUp = timedOut && errorFields(error).errorCode === 'ABORTED';
    log.warn('GitHub could not be checked at start; serving anyway, pushes are retried', {
      repo,
      ...errorFields(error),
      ...(gaveUp
        ? {
            errorCode: 'GITHUB_UNREACHABLE',
            errorMessage: `${repo}: GitHub did not answer within ${timeoutMs} ms (connections refused, or no answer)`,
          }
        : {}),
    });
  }
}
