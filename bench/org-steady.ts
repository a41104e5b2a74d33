/**
 * A steady organisation workload: pushes of random images (each watched by 10 of the 1,000
 * repositories) at a constant rate, through the simulated SQS queue and worker instances of the
 * burst (the construct's defaults), against the test server with GitHub's documented secondary
 * limits (80 content-creating requests a minute, 500 an hour) and an installation's primary
 * limit at 1,000 repositories (5,000 + 50 per repository beyond 20, capped at 12,500 an hour).
 * Time is simulated (clock.ts). Push → PR latency is the worker's own metric.
 */
import { MemoryImageIndex } from '../lambdas/adapters/local/memory-index.ts';
import { loadConfig } from '../lambdas/config/load.ts';
import { readingOf } from '../lambdas/handlers/run-repo.ts';
import { directoryOf } from '../lambdas/handlers/updater-deps.ts';
import { createWorker } from '../lambdas/handlers/worker.ts';
import { GITHUB_WRITES_PER_MINUTE } from '../lib/image-updater.ts';
import { METRIC } from '../lambdas/names.ts';
import { seededRandom } from '@image-updater/github-test-server/faults';
import { createGitHubTestServer } from '@image-updater/github-test-server';
import { eventSourceOf, instanceHost, PRODUCT_DEPLOYMENT } from './burst.ts';
import { acceleratedClock, peakInWindow } from './clock.ts';
import { ecrPushEvent, quietTelemetry } from './events.ts';
import {
  imageOf,
  ORG,
  ORG_IMAGES,
  ORG_REPOS,
  PushedTags,
  repoName,
  repositoryOf,
  seedOrganisation,
} from './org-fixture.ts';
import { runEventSource, SimQueue, type FunctionInstance } from './sqs.ts';

/** GitHub's primary limit for an App installation on 1,000 repositories (documented cap). */
const INSTALLATION_PRIMARY_LIMIT = 12_500;

export interface OrgSteadyOptions {
  readonly pushesPerHour: number;
  /** Simulated minutes of pushes (the run stops then; what is queued is counted). */
  readonly minutes: number;
  readonly rate: number;
  readonly latencyMs: number;
  readonly seed: number;
}

const STEADY_DEFAULTS: OrgSteadyOptions = {
  pushesPerHour: 300,
  minutes: 20,
  rate: 30,
  latencyMs: 50,
  seed: 3,
};

export interface OrgSteadyFigures extends OrgSteadyOptions {
  readonly pushes: number;
  /** Policy updates the pushes asked for (pushes × watchers). */
  readonly updatesDemanded: number;
  /** Pull requests opened plus pull requests moved to a newer tag, from GitHub's log. */
  readonly updatesApplied: number;
  /** Updates the worker's push → PR metric reported (the latency figures are theirs). */
  readonly latencySamples: number;
  readonly pushToPrSeconds: { readonly p50: number; readonly p95: number; readonly max: number };
  readonly requests: number;
  readonly notModified: number;
  readonly writes: number;
  readonly writesPerUpdate: number;
  readonly peakWritesPerMinute: number;
  readonly peakWritesPerHour: number;
  readonly secondaryLimitRefusals: number;
  readonly primaryLimitRefusals: number;
  readonly recordsReturned: number;
  readonly deadLettered: number;
  /** Events still queued when the window ended. */
  readonly queued: number;
  readonly realSeconds: number;
  readonly writesByOperation: Record<string, number>;
}

export async function benchOrgSteady(options: OrgSteadyOptions = STEADY_DEFAULTS): Promise<OrgSteadyFigures> {
  const clock = acceleratedClock(options.rate);
  const random = seededRandom(options.seed);
  const server = await createGitHubTestServer({
    clock,
    latencyMs: clock.real(options.latencyMs),
    validateResponses: false,
    rateLimit: { limit: INSTALLATION_PRIMARY_LIMIT, secondary: { perMinute: 80, perHour: 500 } },
  });
  seedOrganisation(server);
  const tags = new PushedTags();
  const repos = Array.from({ length: ORG_REPOS }, (_, r) => ({ repo: `${ORG}/${repoName(r)}` }));
  const index = new MemoryImageIndex();
  const seedTelemetry = quietTelemetry();
  // The index as discovery leaves it (shared by every instance, as DynamoDB is), built without
  // requests so the hour's budgets start full.
  const seedDirectory = directoryOf({
    repos,
    index,
    trustIndex: true,
    host: () => Promise.reject(new Error('unused')),
    log: seedTelemetry.log,
    metrics: seedTelemetry.metrics,
  });
  for (const repo of repos) {
    const text = server.readFile(ORG, repo.repo.split('/')[1]!, 'main', '.image-updater.yaml')!;
    await seedDirectory.record(repo, readingOf({ sha: 'seed' }, await loadConfig(text)), { readAt: 0 });
  }

  const d = PRODUCT_DEPLOYMENT;
  const queue = new SimQueue(clock, {
    visibilityTimeoutMs: d.visibilityTimeoutMs,
    maxReceiveCount: d.maxReceiveCount,
    random,
  });
  const latencies: number[] = [];
  const writesPerMinute = Math.floor(GITHUB_WRITES_PER_MINUTE / (d.concurrency + 1));
  const instances: FunctionInstance[] = [];
  const instance = () => {
    let dead = false;
    const telemetry = quietTelemetry();
    const host = instanceHost(
      server.url,
      clock,
      { writesPerMinute, writesPerHour: Math.floor((500 * writesPerMinute) / 80) },
      () => dead,
    );
    const worker = createWorker({
      repos,
      index,
      trustIndex: true,
      tagLister: tags,
      host: async () => host,
      log: telemetry.log,
      metrics: {
        addMetric(name, _unit, value) {
          if (name === METRIC.pushToPullRequestLatency) latencies.push(value);
        },
        publishStoredMetrics() {},
      },
      now: () => clock.now(),
      apply: { sleep: (ms) => clock.sleep(ms), backoffMs: 200 },
      deadlineMarginMs: clock.real(15_000),
    });
    const created: FunctionInstance = {
      handler: (event, context) => worker(event, context as Parameters<typeof worker>[1]),
      kill: () => void (dead = true),
    };
    instances.push(created);
    return created;
  };

  const windowMs = options.minutes * 60_000;
  const spacing = 3_600_000 / options.pushesPerHour;
  const nextTag = new Map<number, number>();
  let pushes = 0;
  let producing = true;
  const realStart = performance.now();
  const producer = (async () => {
    for (let due = 0; due < windowMs; due += spacing) {
      if (clock.elapsed() < due) await clock.sleep(due - clock.elapsed());
      const i = Math.floor(random() * ORG_IMAGES);
      const patch = (nextTag.get(i) ?? 0) + 1;
      nextTag.set(i, patch);
      tags.push(imageOf(i), `1.0.${patch}`);
      queue.send(ecrPushEvent({ repository: repositoryOf(i), tag: `1.0.${patch}`, at: clock.now() }));
      pushes += 1;
    }
    producing = false;
  })();
  const eventSource = await runEventSource({
    clock,
    queue,
    ...eventSourceOf(d),
    instance,
    producing: () => producing,
    until: windowMs,
  });
  await producer;
  for (const i of instances) i.kill();
  const realSeconds = Math.round((performance.now() - realStart) / 100) / 10;

  const requests = server.requests;
  const writes = requests.filter((r) => r.write);
  const writesByOperation: Record<string, number> = {};
  for (const w of writes) {
    const key = `${w.operationId ?? w.url} ${w.status}`;
    writesByOperation[key] = (writesByOperation[key] ?? 0) + 1;
  }
  const applied = new Set(['pulls/create 201', 'graphql/createCommitOnBranch 200', 'git/update-ref 200']);
  const updatesApplied = Object.entries(writesByOperation)
    .filter(([key]) => applied.has(key))
    .reduce((sum, [, n]) => sum + n, 0);
  const times = writes.map((r) => clock.at(r.startedAt)).sort((a, b) => a - b);
  await server.close();
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) / 100) / 10;
  const watchers = ORG_REPOS / ORG_IMAGES;
  return {
    ...options,
    pushes,
    updatesDemanded: pushes * watchers,
    updatesApplied,
    latencySamples: latencies.length,
    pushToPrSeconds: { p50: pick(0.5), p95: pick(0.95), max: pick(1) },
    requests: requests.length,
    notModified: requests.filter((r) => r.status === 304).length,
    writes: writes.length,
    writesPerUpdate: Math.round((writes.length / Math.max(1, updatesApplied)) * 100) / 100,
    peakWritesPerMinute: peakInWindow(times, 60_000),
    peakWritesPerHour: peakInWindow(times, 3_600_000),
    secondaryLimitRefusals: requests.filter((r) => r.status === 403 && r.write).length,
    primaryLimitRefusals: requests.filter((r) => r.status === 403 && !r.write).length,
    recordsReturned: eventSource.recordsFailed,
    deadLettered: queue.deadLetters.length,
    queued: queue.size,
    realSeconds,
    writesByOperation,
  };
}
