/**
 * Issue 15 / SPEC §10 organisation: 1,000 repositories of one GitHub organisation on the test
 * server, 10 of them watching the pushed image. Before (a static list, no index: every push
 * reads every repository) and after (App discovery, the in-memory index, `trustIndex`): requests
 * and wall time per push, requests that reached repositories not watching the image, the cost
 * of discovery, of a config change (`push` event → index refresh → first PR or config issue)
 * and of a reconcile over the whole organisation. The steady workload is `org-steady.ts`.
 */
import { GitHubHost } from '../lambdas/adapters/github/host.ts';
import { MemoryImageIndex } from '../lambdas/adapters/local/memory-index.ts';
import { TagListCache } from '../lambdas/adapters/registry/tag-lists.ts';
import { createReconcile } from '../lambdas/handlers/reconcile.ts';
import { handleRepoEvent } from '../lambdas/handlers/repo-events.ts';
import { directoryOf, type UpdaterDeps } from '../lambdas/handlers/updater-deps.ts';
import { createWorker, type WorkerHandler } from '../lambdas/handlers/worker.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { ecrPushEvent, quietTelemetry, sqsRecord } from './events.ts';
import {
  APP_ID,
  imageOf,
  installApp,
  ORG,
  ORG_IMAGES,
  ORG_REPOS,
  orgConfig,
  orgDeployment,
  PushedTags,
  repoName,
  repositoryOf,
  requestsByRepo,
  seedOrganisation,
  watchersOf,
} from './org-fixture.ts';
import { benchOrgSteady, type OrgSteadyFigures } from './org-steady.ts';

/** The push section's latency, for the figures whose wall time is the point. */
const LATENCY_MS = 50;
/** For the phases that read all 1,000 repositories (their request counts do not depend on it). */
const BULK_LATENCY_MS = 5;
/** The "before" list: at 1,000 it takes minutes of CPU and the counts only scale (~4 per repository). */
const BEFORE_REPOS = 200;

export interface OrgPushFigures {
  readonly requests: number;
  readonly notModified: number;
  readonly writes: number;
  /** Writes to dashboard issues (created or updated), one per repository whose line changed. */
  readonly dashboardWrites: number;
  readonly wallMs: number;
  /** Repositories that got at least one request. */
  readonly reposTouched: number;
  /** Requests that reached repositories that do not watch the pushed image. */
  readonly requestsToNonWatchers: number;
  /** Watching repositories with an open PR afterwards. */
  readonly pullRequestsOpen: number;
}

export interface OrgCostFigures {
  readonly requests: number;
  readonly notModified: number;
  /** Requests GitHub counts against the primary limit (a `304` does not count). */
  readonly primaryLimitCost: number;
  readonly writes: number;
  /** Writes to dashboard issues (created or updated), one per repository whose line changed. */
  readonly dashboardWrites: number;
  readonly wallMs: number;
  readonly indexWrites: number;
}

export interface OrganisationFigures {
  readonly repositories: number;
  readonly images: number;
  readonly watchers: number;
  readonly latencyMs: number;
  readonly bulkLatencyMs: number;
  readonly before: {
    readonly repositories: number;
    readonly cold: OrgPushFigures;
    readonly warm: OrgPushFigures;
  };
  readonly after: { readonly cold: OrgPushFigures; readonly warm: OrgPushFigures };
  readonly discovery: { readonly first: OrgCostFigures; readonly second: OrgCostFigures };
  readonly configChange: OrgCostFigures & { readonly outcome: string };
  readonly invalidConfig: OrgCostFigures & { readonly outcome: string };
  readonly reconcile: { readonly cold: OrgCostFigures; readonly warm: OrgCostFigures };
  readonly steady: OrgSteadyFigures;
}

export async function benchOrganisation(): Promise<OrganisationFigures> {
  let latency = BULK_LATENCY_MS;
  const server = await createGitHubTestServer({
    latencyMs: () => latency,
    // The emulator's answers are checked by its own tests; at this volume they would only cost CPU.
    validateResponses: false,
    // Counted, not enforced: the "before" push alone spends more than an hour's 5,000 requests.
    rateLimit: { limit: Number.MAX_SAFE_INTEGER, secondary: false },
  });
  const privateKey = installApp(server);
  const tags = new PushedTags();
  try {
    seedOrganisation(server);
    const before = await measureBefore(server, tags);

    const index = new MemoryImageIndex();
    const appHost = () =>
      new GitHubHost({
        auth: { kind: 'app', appId: APP_ID, privateKey },
        baseUrl: server.url,
        writesPerMinute: 0,
      });
    const telemetry = quietTelemetry();
    const deps = (host: GitHubHost): UpdaterDeps => ({
      repos: [],
      discovery: {},
      index,
      trustIndex: true,
      tagLister: tags,
      host: async () => host,
      log: telemetry.log,
      metrics: telemetry.metrics,
    });

    // Discovery as an instance's first look does it, then again with its conditional reads.
    latency = LATENCY_MS;
    const discoveryHost = appHost();
    const discoveryDirectory = directoryOf(deps(discoveryHost));
    const first = await cost(server, index, () => discoveryDirectory.discover(discoveryHost));
    const second = await cost(server, index, () => discoveryDirectory.discover(discoveryHost));

    // After: a new instance (cold), then the same one again (warm), for an image nobody pushed yet.
    const image = 1;
    const worker = createWorker(deps(appHost()));
    const after = {
      cold: await push(server, worker, tags, image, '1.0.1', telemetry.errors),
      warm: await push(server, worker, tags, image, '1.0.2', telemetry.errors),
    };

    const eventHost = appHost();
    const configChange = await changeConfig(server, index, deps(eventHost), eventHost, 'valid');
    const invalidConfig = await changeConfig(server, index, deps(eventHost), eventHost, 'invalid');

    latency = BULK_LATENCY_MS;
    const reconcile = createReconcile(deps(appHost()));
    const reconcileFigures = {
      cold: await cost(server, index, () => reconcile()),
      warm: await cost(server, index, () => reconcile()),
    };
    if (telemetry.errors.length > 0) throw new Error(`org bench: ${telemetry.errors.join('; ')}`);
    server.assertNoViolations();
    return {
      repositories: ORG_REPOS,
      images: ORG_IMAGES,
      watchers: ORG_REPOS / ORG_IMAGES,
      latencyMs: LATENCY_MS,
      bulkLatencyMs: BULK_LATENCY_MS,
      before,
      after,
      discovery: { first, second },
      configChange,
      invalidConfig,
      reconcile: reconcileFigures,
      steady: await benchOrgSteady(),
    };
  } finally {
    await server.close();
  }
}

/**
 * Today's behaviour without GitHub's events: a static list, no index, every push reads every
 * repository. Measured on the first `BEFORE_REPOS` (two of them watch image 0), the issue's own
 * setup; the cost grows linearly with the list.
 */
async function measureBefore(server: GitHubTestServer, tags: PushedTags) {
  const telemetry = quietTelemetry();
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    writesPerMinute: 0,
  });
  const worker = createWorker({
    repos: Array.from({ length: BEFORE_REPOS }, (_, r) => ({ repo: `${ORG}/${repoName(r)}` })),
    tagLister: tags,
    host: async () => host,
    log: telemetry.log,
    metrics: telemetry.metrics,
  });
  return {
    repositories: BEFORE_REPOS,
    cold: await push(server, worker, tags, 0, '1.0.1', telemetry.errors, BEFORE_REPOS),
    warm: await push(server, worker, tags, 0, '1.0.2', telemetry.errors, BEFORE_REPOS),
  };
}

let messages = 0;

async function push(
  server: GitHubTestServer,
  worker: WorkerHandler,
  tags: PushedTags,
  image: number,
  tag: string,
  errors: string[],
  repos = ORG_REPOS,
): Promise<OrgPushFigures> {
  tags.push(imageOf(image), tag);
  const watchers = new Set(watchersOf(image).filter((name) => Number(name.slice(4)) < repos));
  server.resetLog();
  const start = performance.now();
  const result = await worker({
    Records: [sqsRecord(ecrPushEvent({ repository: repositoryOf(image), tag }), `org-${++messages}`)],
  });
  const wallMs = Math.round(performance.now() - start);
  if (result.batchItemFailures.length > 0 || errors.length > 0)
    throw new Error(`org bench: the worker failed: ${errors.join('; ')}`);
  const byRepo = requestsByRepo(server);
  return {
    requests: server.requestCount(),
    notModified: server.requests.filter((r) => r.status === 304).length,
    writes: server.writeCount(),
    dashboardWrites: server.writeCount({ operationId: /^issues\/(create|update)$/ }),
    wallMs,
    reposTouched: byRepo.size,
    requestsToNonWatchers: [...byRepo].filter(([name]) => !watchers.has(name)).reduce((s, [, n]) => s + n, 0),
    pullRequestsOpen: [...watchers].filter(
      (name) => server.listPulls(ORG, name, { state: 'open' }).length > 0,
    ).length,
  };
}

async function cost(
  server: GitHubTestServer,
  index: MemoryImageIndex,
  run: () => Promise<unknown>,
): Promise<OrgCostFigures> {
  server.resetLog();
  const writesBefore = index.writes;
  const start = performance.now();
  await run();
  const wallMs = Math.round(performance.now() - start);
  const requests = server.requestCount();
  const notModified = server.requests.filter((r) => r.status === 304).length;
  return {
    requests,
    notModified,
    primaryLimitCost: requests - notModified,
    writes: server.writeCount(),
    dashboardWrites: server.writeCount({ operationId: /^issues\/(create|update)$/ }),
    wallMs,
    indexWrites: index.writes - writesBefore,
  };
}

/**
 * A person pushes a config change to one repository: it now follows the image pushed in the
 * "after" run (valid: its first PR opens from the tag list), or cannot be parsed (its config issue
 * opens). Timed from GitHub's `push` event to the PR or issue.
 */
async function changeConfig(
  server: GitHubTestServer,
  index: MemoryImageIndex,
  deps: UpdaterDeps,
  host: GitHubHost,
  kind: 'valid' | 'invalid',
): Promise<OrgCostFigures & { readonly outcome: string }> {
  // Repositories 2 and 3 watch images nobody pushed: nothing of theirs is open yet.
  const name = repoName(kind === 'valid' ? 2 : 3);
  const image = imageOf(1);
  server.commitFiles(ORG, name, 'main', {
    '.image-updater.yaml': kind === 'valid' ? orgConfig(image) : 'version: 1\npolicies: [{ name: app }\n',
    'deploy/deployment.yaml': orgDeployment(image, '1.0.0'),
  });
  const context = {
    deps,
    directory: directoryOf(deps),
    memo: { checkedConfigs: new Set<string>() },
    host,
    tagLists: new TagListCache(deps.tagLister),
  };
  const figures = await cost(server, index, () =>
    handleRepoEvent(context, {
      type: 'push',
      repo: `${ORG}/${name}`,
      branch: 'main',
      after: 'config',
      changedPaths: ['.image-updater.yaml'],
      truncated: false,
    }),
  );
  const pulls = server.listPulls(ORG, name, { state: 'open' });
  const issues = server.listIssues(ORG, name, { state: 'open' });
  const outcome =
    kind === 'valid'
      ? pulls.length === 1
        ? `PR #${pulls[0]!.number} opened`
        : `${pulls.length} PRs`
      : issues.length === 1
        ? `config issue #${issues[0]!.number} opened`
        : `${issues.length} issues`;
  return { ...figures, outcome };
}
