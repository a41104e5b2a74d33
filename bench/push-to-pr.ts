/**
 * SPEC §10: one push → PR inside the worker (SQS record in, GitHub writes out) against the GitHub
 * test server with 50 ms injected latency per request. Each mode runs cold (a new function
 * instance: first event it sees for the repository) and warm (the instance already handled an
 * event for that repository), then a duplicate and an out-of-order older event. The naive script
 * runs the same pushes against its own copy of the repository on the same server.
 */
import { GitHubHost } from '../lambdas/adapters/github/host.ts';
import { createOctokit } from '../lambdas/adapters/github/octokit.ts';
import { createWorker, type WorkerHandler } from '../lambdas/handlers/worker.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { ecrPushEvent, quietTelemetry, REGISTRY, sqsRecord } from './events.ts';
import { naivePush } from './naive.ts';

const LATENCY_MS = 50;
const OWNER = 'acme';

interface RequestFigures {
  readonly wallMs: number;
  readonly requests: number;
  readonly roundTrips: number;
  readonly writes: number;
  /** Writes to the dashboard issue (created or updated): the push's part of keeping it current. */
  readonly dashboardWrites: number;
  /** Pull requests that exist afterwards (open or merged), for the naive comparison. */
  readonly pulls?: number;
}

export interface PushToPrFigures {
  readonly latencyMs: number;
  readonly scenarios: Record<string, RequestFigures & { readonly outcome: string }>;
  readonly naive: Record<string, RequestFigures & { readonly outcome: string }>;
}

type Mode = 'pull-request' | 'auto-merge' | 'commit';

const API = `${REGISTRY}/shop/api`;
const WEB = `${REGISTRY}/shop/web`;

function config(mode: Mode): string {
  const extra =
    mode === 'commit'
      ? '\n  update: commit'
      : mode === 'auto-merge'
        ? '\n  automerge: patch\n  mergeStrategy: auto'
        : '';
  return `version: 1
defaults:
  labels: [image-update]${extra}
policies:
  - name: api
    image: ${API}
    range: ">=1.4.0 <2.0.0"
    files: ["apps/api/**"]
  - name: web
    image: ${WEB}
    files: ["apps/web/**"]
`;
}

const deployment = (image: string, name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: ${name}
          image: ${image}
          ports:
            - containerPort: 8080
`;

function seed(server: GitHubTestServer, name: string, mode: Mode): void {
  server.createRepo(OWNER, name, {
    files: {
      '.image-updater.yaml': config(mode),
      'apps/api/deployment.yaml': deployment(`${API}:1.4.2`, 'api'),
      'apps/web/deployment.yaml': deployment(`${WEB}:2.0.0`, 'web'),
      'README.md': '# environment\n',
    },
    // Auto-merge waits for a required check, as it does on a protected branch.
    ...(mode === 'auto-merge' ? { settings: { allowAutoMerge: true }, requiredChecks: ['ci'] } : {}),
  });
}

function instance(server: GitHubTestServer, repo: string): { handler: WorkerHandler; errors: string[] } {
  const telemetry = quietTelemetry();
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    // Production default for one worker of two plus the reconcile (lib: 80 / 3).
    writesPerMinute: 26,
  });
  const handler = createWorker({
    repos: [{ repo: `${OWNER}/${repo}` }],
    host: async () => host,
    log: telemetry.log,
    metrics: telemetry.metrics,
  });
  return { handler, errors: telemetry.errors };
}

let messages = 0;

async function measure(
  server: GitHubTestServer,
  run: () => Promise<void>,
  pulls?: () => number,
): Promise<RequestFigures> {
  server.resetLog();
  const start = performance.now();
  await run();
  const wallMs = Math.round(performance.now() - start);
  return {
    wallMs,
    requests: server.requestCount(),
    roundTrips: server.roundTrips(),
    writes: server.writeCount(),
    dashboardWrites: server.writeCount({ operationId: /^issues\/(create|update)$/ }),
    ...(pulls ? { pulls: pulls() } : {}),
  };
}

async function deliver(
  handler: WorkerHandler,
  errors: string[],
  repository: string,
  tag: string,
): Promise<void> {
  messages += 1;
  const result = await handler({
    Records: [sqsRecord(ecrPushEvent({ repository, tag }), `push-${messages}`)],
  });
  if (result.batchItemFailures.length > 0 || errors.length > 0)
    throw new Error(`push → PR bench: the worker failed: ${errors.join('; ')}`);
}

export async function benchPushToPr(): Promise<PushToPrFigures> {
  const server = await createGitHubTestServer({ latencyMs: LATENCY_MS });
  const scenarios: PushToPrFigures['scenarios'] = {};
  const naive: PushToPrFigures['naive'] = {};
  try {
    for (const mode of ['pull-request', 'auto-merge', 'commit'] as const) {
      const repo = `env-${mode}`;
      seed(server, repo, mode);
      const outcome = () => describeOutcome(server, repo, mode);

      const cold = instance(server, repo);
      scenarios[`${mode} cold`] = {
        ...(await measure(server, () => deliver(cold.handler, cold.errors, 'shop/api', '1.4.3'))),
        outcome: outcome(),
      };
      // Warm: a second repository state, the same instance (default branch, config etag, config
      // issue check cached), and a push of a policy that has no PR yet.
      const warmRepo = `${repo}-warm`;
      seed(server, warmRepo, mode);
      const warm = instance(server, warmRepo);
      await deliver(warm.handler, warm.errors, 'shop/web', '2.0.1');
      scenarios[`${mode} warm`] = {
        ...(await measure(server, () => deliver(warm.handler, warm.errors, 'shop/api', '1.4.3'))),
        outcome: describeOutcome(server, warmRepo, mode),
      };
      // A newer push, the same push again, then one pushed before it that arrives late.
      const later = [
        ['update', '1.4.5'],
        ['duplicate', '1.4.5'],
        ['older', '1.4.4'],
      ] as const;
      for (const [name, tag] of later) {
        const figures = await measure(server, () => deliver(warm.handler, warm.errors, 'shop/api', tag));
        scenarios[`${mode} ${name}`] = { ...figures, outcome: describeOutcome(server, warmRepo, mode) };
      }
    }

    // The naive script: same pushes, same server, same latency.
    const naiveRepo = 'env-naive';
    seed(server, naiveRepo, 'pull-request');
    const octokit = createOctokit({ baseUrl: server.url, auth: 'test-token', writesPerMinute: 26 });
    const pullsOf = () => server.listPulls(OWNER, naiveRepo, { state: 'all' }).length;
    const naiveRun = (tag: string) => async () => {
      const result = await naivePush(octokit, {
        owner: OWNER,
        repo: naiveRepo,
        files: ['apps/api/deployment.yaml'],
        image: API,
        tag,
      });
      naiveOutcome = result.kind === 'opened' ? `PR #${result.pull} opened` : `failed (${result.status})`;
    };
    let naiveOutcome = '';
    for (const [name, tag] of [
      ['push', '1.4.3'],
      ['update', '1.4.5'],
      ['duplicate', '1.4.5'],
      ['older', '1.4.4'],
    ] as const) {
      const figures = await measure(server, naiveRun(tag), pullsOf);
      const note =
        name === 'older' && naiveOutcome.includes('opened')
          ? ' (1.4.4, below the open 1.4.5: a downgrade)'
          : '';
      naive[name] = { ...figures, outcome: `${naiveOutcome}${note}` };
    }
    server.assertNoViolations();
  } finally {
    await server.close();
  }
  return { latencyMs: LATENCY_MS, scenarios, naive };
}

function describeOutcome(server: GitHubTestServer, repo: string, mode: Mode): string {
  if (mode === 'commit') {
    const text = server.readFile(OWNER, repo, 'main', 'apps/api/deployment.yaml') ?? '';
    return `main at ${/shop\/api:(\S+)/.exec(text)?.[1] ?? '?'}`;
  }
  const pulls = server
    .listPulls(OWNER, repo, { state: 'all' })
    .filter((p) => p.headRef === 'image-updater/api');
  const [pull] = pulls;
  if (!pull) return 'no PR';
  const text = server.readFile(OWNER, repo, pull.headRef, 'apps/api/deployment.yaml') ?? '';
  const armed = pull.autoMerge ? ', auto-merge armed' : '';
  return `${pulls.length} PR, ${pull.state}${pull.merged ? ' (merged)' : ''}, at ${/shop\/api:(\S+)/.exec(text)?.[1] ?? '?'}${armed}`;
}
