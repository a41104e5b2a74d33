/**
 * `serve`: the webhook endpoint and the worker in one process (SPEC §9), wired from the same
 * parts as the functions: the webhook router, the worker handler (`createWorker`, which runs
 * `applyToRepo` per watched repository), and an in-process per-image queue in place of SQS.
 *
 * Every GitHub request of the process carries one stop signal: when a shutdown's grace period
 * ends, what is still in flight is aborted (nothing more reaches GitHub) and handed back.
 */
import { workController } from '../adapters/github/abort.ts';
import { GitHubHost, type GitHubAuth } from '../adapters/github/host.ts';
import { staticCredentials, type BasicCredentials } from '../adapters/registry/credentials.ts';
import { registryAccess } from '../adapters/registry/registry-access.ts';
import { lazySignatureVerifier } from '../adapters/sigstore/lazy-verifier.ts';
import { provenanceReader } from '../adapters/provenance/provenance-reader.ts';
import type { ImageAllowList } from '../adapters/webhooks/allow-list.ts';
import { staticWebhookSecrets, type SecretsByProvider } from '../adapters/webhooks/secrets.ts';
import type { GitHost } from '../ports/git-host.ts';
import type { WatchedRepo } from './env.ts';
import { InProcessQueue } from '../adapters/local/in-process-queue.ts';
import { TimerDelayedWork } from '../adapters/local/timer-delayed-work.ts';
import { startLocalServer, type LocalServer } from '../adapters/local/local-server.ts';
import { checkGitHubAccess } from './serve-preflight.ts';
import type { Log, MetricSink } from '../ports/telemetry.ts';
import { createWebhookRouter } from './webhook-router.ts';
import { createWorker } from './worker.ts';
import { MemoryImageIndex } from '../adapters/local/memory-index.ts';
import { RepoDirectory, type Discovery } from './repo-directory.ts';
import { defined } from '../objects.ts';

export interface ServeConfig {
  readonly port: number;
  /** @default '127.0.0.1' (LocalServerOptions.host) */
  readonly host?: string;
  /** The static list; empty with `discovery`. */
  readonly repos: readonly WatchedRepo[];
  /** With a GitHub App and no list: the installations' repositories that have a config. */
  readonly discovery?: Discovery;
  readonly github: { readonly auth: GitHubAuth; readonly baseUrl?: string };
  readonly webhookSecrets: SecretsByProvider;
  readonly allowList: ImageAllowList;
  readonly registryCredentials?: ReadonlyMap<string, BasicCredentials>;
  readonly log: Log;
  /** Images applied at once. @default 4 */
  readonly concurrency?: number;
  readonly maxAttempts?: number;
  readonly retryDelayMs?: (attempt: number) => number;
  /** Replaces the GitHub adapter (tests). */
  readonly gitHost?: GitHost;
  /** How long the start-up check waits for GitHub before serving anyway. @default 10 000 */
  readonly startCheckTimeoutMs?: number;
  /** LocalServerOptions.maxQueued. @default 10 000 */
  readonly maxQueued?: number;
  /** GitHub's retry backoff base, ms a second (tests shrink it). @default 1000 */
  readonly githubRetryAfterBaseMs?: number;
  /** Pushes `minimumReleaseAge` holds, waiting on a timer, at most. @default 10 000 */
  readonly maxHeldTimers?: number;
  /**
   * The Sigstore trusted root keyless signatures are checked against (`trusted_root.json`,
   * parsed). @default the public good instance's, through its TUF repository
   */
  readonly trustedRoot?: unknown;
}

export interface RunningServe extends LocalServer {
  readonly queue: InProcessQueue;
  /** image → repositories, built at start and kept by the pushes and GitHub's events. */
  readonly index: MemoryImageIndex;
  /** The timers of held pushes (cleared by `close`). */
  readonly delayed: TimerDelayedWork;
}

const NO_METRICS: MetricSink = { addMetric() {}, publishStoredMetrics() {} };

export async function startServe(config: ServeConfig): Promise<RunningServe> {
  const { log } = config;
  const stop = workController();
  const host =
    config.gitHost ??
    new GitHubHost({
      auth: config.github.auth,
      ...(config.github.baseUrl ? { baseUrl: config.github.baseUrl } : {}),
      ...defined({ retryAfterBaseMs: config.githubRetryAfterBaseMs }),
      signal: stop.signal,
      // Octokit logs every request at info and every failed try at error ("500 with id
      // UNKNOWN" for a refused connection); the queue reports each failure once, classified.
      log: {
        debug: (m) => log.debug(m),
        info: (m) => log.debug(m),
        warn: (m) => log.warn(m),
        error: (m) => log.debug(m),
      },
    });
  await checkGitHubAccess(host, config.repos, log, {
    ...defined({ timeoutMs: config.startCheckTimeoutMs }),
  });
  const index = new MemoryImageIndex();
  // GitHub's push events (GITHUB_WEBHOOK_SECRET) say when a config changes: then the index
  // alone picks a push's repositories; without them every repository runs on every push.
  const trustIndex = config.webhookSecrets.github !== undefined;
  const directory = new RepoDirectory({
    repos: config.repos,
    index,
    trustIndex,
    log,
    ...defined({ discovery: config.discovery }),
  });
  // Consulted only when trusted (or as discovery's list): then built at start, in the background
  // (`startBuilding`: with discovery, pushes wait for it; with a list, what is not indexed yet runs).
  if (trustIndex || config.discovery) {
    directory.startBuilding(host);
    void logWhenBuilt(directory, index, log);
  }
  // The queue runs the worker, and the worker reports its failures to the queue.
  const queue = new InProcessQueue({
    worker: (event, context) => worker(event, context),
    log,
    abort: () => stop.abort(),
    ...defined({
      concurrency: config.concurrency,
      maxAttempts: config.maxAttempts,
      retryDelayMs: config.retryDelayMs,
    }),
  });
  // A held push comes back through the queue when due, as an SQS message would from Scheduler.
  const delayed = new TimerDelayedWork({ queue, log, ...defined({ maxPending: config.maxHeldTimers }) });
  const registry = registryAccess(
    config.registryCredentials ? { credentials: staticCredentials(config.registryCredentials) } : {},
  );
  const worker = createWorker({
    repos: config.repos,
    index,
    trustIndex,
    directory,
    ...defined({ discovery: config.discovery }),
    host: async () => host,
    tagLister: registry.tagLister,
    apply: {
      verifier: lazySignatureVerifier({
        reader: registry.imageReader,
        ...(config.trustedRoot !== undefined
          ? { trustRoot: { trustedRoot: async () => config.trustedRoot } }
          : {}),
      }),
      provenance: provenanceReader({ reader: registry.imageReader, log }),
    },
    delayedWork: delayed,
    log,
    metrics: NO_METRICS,
    onFailure: queue.recordFailure,
  });
  const router = createWebhookRouter({
    secrets: staticWebhookSecrets(config.webhookSecrets),
    allowList: config.allowList,
    queue,
    log,
  });
  const server = await startLocalServer({
    ...(config.maxQueued !== undefined ? { maxQueued: config.maxQueued } : {}),
    port: config.port,
    ...(config.host ? { host: config.host } : {}),
    router,
    queue,
    log,
  });
  return {
    ...server,
    queue,
    index,
    delayed,
    close: (timeoutMs) => {
      delayed.close();
      return server.close(timeoutMs);
    },
  };
}

async function logWhenBuilt(directory: RepoDirectory, index: MemoryImageIndex, log: Log): Promise<void> {
  const started = performance.now();
  await directory.ready();
  const entries = await index.all();
  log.info('image index built', {
    repositories: entries.length,
    watching: entries.filter((e) => e.status === 'watching').length,
    ms: Math.round(performance.now() - started),
  });
}
