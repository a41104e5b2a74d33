/**
 * The pull-request lifecycle and the dashboard, push by push (issue 16): what each behaviour costs
 * in requests and writes inside the worker, against the GitHub test server with 50 ms per request.
 * One warm instance, one policy and one file; people act through their own token (`alice`).
 */
import { Octokit } from '@octokit/rest';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { GitHubHost } from '../lambdas/adapters/github/host.ts';
import { createReconcile } from '../lambdas/handlers/reconcile.ts';
import { createWorker, type WorkerHandler } from '../lambdas/handlers/worker.ts';
import { ecrPushEvent, quietTelemetry, REGISTRY, sqsRecord } from './events.ts';
import { PushedTags } from './org-fixture.ts';

const LATENCY_MS = 50;
const OWNER = 'acme';
const API = `${REGISTRY}/shop/api`;
// The overlap repository follows its own image, so its pushes reach only it.
const OTHER = `${REGISTRY}/shop/other`;

interface StepFigures {
  readonly requests: number;
  readonly roundTrips: number;
  readonly writes: number;
  /** What the writes were, by GitHub operation. */
  readonly wrote: readonly string[];
  readonly outcome: string;
}

export interface LifecycleFigures {
  readonly latencyMs: number;
  readonly steps: Record<string, StepFigures>;
}

const deployment = (tag: string, image = API) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ${image}:${tag}
`;

const CONFIG = `version: 1
policies:
  - name: api
    image: ${API}
    range: "<2.0.0"
    files: ["apps/api/**"]
`;
// Two policies that would both edit the one reference: a config error, before anything is written.
const OVERLAP = `version: 1
policies:
  - name: api
    image: ${OTHER}
  - name: api-again
    image: ${OTHER}
`;

export async function benchLifecycle(): Promise<LifecycleFigures> {
  const server = await createGitHubTestServer({ latencyMs: LATENCY_MS });
  const steps: Record<string, StepFigures> = {};
  try {
    server.createRepo(OWNER, 'env', {
      files: { '.image-updater.yaml': CONFIG, 'apps/api/deployment.yaml': deployment('1.4.2') },
    });
    server.createRepo(OWNER, 'env-overlap', {
      files: { '.image-updater.yaml': OVERLAP, 'apps/api/deployment.yaml': deployment('1.4.2', OTHER) },
    });
    server.addToken('alice-token', 'alice');
    const alice = new Octokit({ baseUrl: server.url, auth: 'alice-token' });
    const tags = new PushedTags();
    // One updater per repository: without GitHub's events every listed repository runs on each push.
    const main = instance(server, tags, 'env');
    const overlap = instance(server, tags, 'env-overlap');
    let id = 0;
    const push =
      (tag: string, repository = 'shop/api', { worker, errors } = main) =>
      async () => {
        tags.push(`${REGISTRY}/${repository}`, tag);
        id += 1;
        const result = await worker({ Records: [sqsRecord(ecrPushEvent({ repository, tag }), `m-${id}`)] });
        if (result.batchItemFailures.length > 0 || errors.length > 0)
          throw new Error(`lifecycle bench: the worker failed: ${errors.join('; ')}`);
      };
    const step = async (name: string, run: () => Promise<unknown>, outcome: () => string) => {
      server.resetLog();
      await run();
      const ok = server.requests.filter((r) => r.write && r.status < 300);
      steps[name] = {
        requests: server.requestCount(),
        roundTrips: server.roundTrips(),
        writes: server.writeCount(),
        wrote: ok.map((r) => r.operationId ?? r.method),
        outcome: outcome(),
      };
    };
    const state = () => describe(server, 'env');

    // Warm the instance (default branch, config ETag) on the overlap repository first.
    await step('overlapping policies: push → config issue', push('1.4.3', 'shop/other', overlap), () =>
      describe(server, 'env-overlap'),
    );
    await step('overlapping policies: the same push again', push('1.4.3', 'shop/other', overlap), () =>
      describe(server, 'env-overlap'),
    );
    await step('push → PR, dashboard created', push('1.4.4'), state);
    await step('the same push again', push('1.4.4'), state);
    await step('a push outside the range (2.0.0): the line shows it', push('2.0.0'), state);
    await step('the reconcile, nothing changed', () => main.reconcile(), state);
    const [open] = server.listPulls(OWNER, 'env', { state: 'open' });
    await alice.rest.pulls.update({ owner: OWNER, repo: 'env', pull_number: open!.number, state: 'closed' });
    await step('after a person closed it: the next push answers the close', push('1.4.4'), state);
    await step('a held push (the closed tag)', push('1.4.4'), state);
    await step('the held push again', push('1.4.4'), state);
    await step('a newer tag after the close: a new PR on the kept branch', push('1.4.5'), state);
    await step('a newer tag while the PR is open: the PR moves, the dashboard stays', push('1.4.6'), state);
    server.assertNoViolations();
  } finally {
    await server.close();
  }
  return { latencyMs: LATENCY_MS, steps };
}

function instance(
  server: GitHubTestServer,
  tags: PushedTags,
  repo: string,
): { worker: WorkerHandler; reconcile: () => Promise<unknown>; errors: string[] } {
  const telemetry = quietTelemetry();
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    writesPerMinute: 0,
  });
  const deps = {
    repos: [{ repo: `${OWNER}/${repo}` }],
    tagLister: tags,
    host: async () => host,
    log: telemetry.log,
    metrics: telemetry.metrics,
  };
  const reconcile = createReconcile(deps);
  return {
    worker: createWorker(deps),
    reconcile: () => reconcile({}, undefined),
    errors: telemetry.errors,
  };
}

function describe(server: GitHubTestServer, repo: string): string {
  const pulls = server.listPulls(OWNER, repo, { state: 'all' });
  const issues = server.listIssues(OWNER, repo, { state: 'all' });
  const open = pulls.filter((p) => p.state === 'open').map((p) => `#${p.number}`);
  const closed = pulls.filter((p) => p.state === 'closed').map((p) => `#${p.number}`);
  const dashboard = issues.find((i) => i.title === 'image-updater dashboard');
  const line = dashboard?.body?.split('\n').find((l) => l.startsWith('| api |'));
  const stateCell = line?.split(' | ')[5];
  const config = issues.find((i) => i.title !== 'image-updater dashboard' && i.state === 'open');
  return [
    `PRs open ${open.join(', ') || 'none'}${closed.length ? `, closed ${closed.join(', ')}` : ''}`,
    ...(config ? [`config issue #${config.number} open`] : []),
    ...(stateCell ? [`dashboard: ${stateCell}`] : []),
  ].join('; ');
}
