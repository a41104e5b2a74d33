/**
 * SPEC §10 burst: 1,000 ECR push events over 100 images (10 groups of 10) into one environment
 * repository, arriving within one minute, processed by concurrent worker instances from a
 * simulated SQS queue (the construct's batch size, window, visibility timeout and DLQ receive
 * count; partial batch failures), against the GitHub test server with GitHub's secondary limits enforced (80
 * content-creating requests a minute, 500 an hour) and the primary limit (5,000 an hour).
 * Time is accelerated (see clock.ts); optionally about 10 % of requests get a fault.
 */
import { GitHubHost } from '../lambdas/adapters/github/host.ts';
import { GITHUB_WRITES_PER_MINUTE, MAX_RECEIVE_COUNT, WORKER_DEFAULTS } from '../lib/image-updater.ts';
import { readPrState } from '../lambdas/core/apply/pr-state.ts';
import { createWorker } from '../lambdas/handlers/worker.ts';
import { seededRandom } from '@image-updater/github-test-server/faults';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import {
  burstImages,
  burstRepoFiles,
  EXPECTED_TAG,
  OWNER,
  pushSequence,
  REPO,
  referencedTag,
  type BurstImage,
} from './burst-repo.ts';
import { acceleratedClock, peakInWindow, type SimClock } from './clock.ts';
import { ecrPushEvent, quietTelemetry } from './events.ts';
import { runEventSource, SimQueue, type EventSourceStats, type FunctionInstance } from './sqs.ts';

/** The deployment the burst runs against: what lib/image-updater.ts configures by default. */
export interface DeploymentModel {
  /** Concurrent worker instances (the event source's `maxConcurrency`). */
  readonly concurrency: number;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly functionTimeoutMs: number;
  readonly visibilityTimeoutMs: number;
  readonly maxReceiveCount: number;
}

/** What lib/image-updater.ts deploys when the props leave the worker's settings out. */
export const PRODUCT_DEPLOYMENT: DeploymentModel = {
  concurrency: WORKER_DEFAULTS.maxConcurrency,
  batchSize: WORKER_DEFAULTS.batchSize,
  batchingWindowMs: WORKER_DEFAULTS.maxBatchingWindowSeconds * 1000,
  functionTimeoutMs: WORKER_DEFAULTS.timeoutSeconds * 1000,
  visibilityTimeoutMs: WORKER_DEFAULTS.visibilityTimeoutSeconds * 1000,
  maxReceiveCount: MAX_RECEIVE_COUNT,
};

/** The event source's settings of a deployment. */
export const eventSourceOf = (d: DeploymentModel) => ({
  concurrency: d.concurrency,
  batchSize: d.batchSize,
  batchingWindowMs: d.batchingWindowMs,
  functionTimeoutMs: d.functionTimeoutMs,
});

/**
 * One function instance's GitHub host on the simulated clock: its own write budget, and a
 * `fetch` that fails once the instance is stopped (its process is gone).
 */
export function instanceHost(
  baseUrl: string,
  clock: SimClock,
  budget: { readonly writesPerMinute: number; readonly writesPerHour: number },
  stopped: () => boolean,
): GitHubHost {
  const realFetch = globalThis.fetch;
  return new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl,
    ...budget,
    budgetMinuteMs: clock.real(60_000),
    retryAfterBaseMs: clock.real(1000),
    fetch: (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      if (stopped()) throw new TypeError('fetch failed: the function instance was stopped');
      return realFetch(input, init);
    }) as typeof fetch,
  });
}

/**
 * Which of GitHub's secondary limits the test server enforces (and the client budgets for):
 * `documented` = 80 a minute and 500 an hour; `per-minute` = 80 a minute only.
 */
type LimitRegime = 'documented' | 'per-minute';

export interface BurstOptions {
  /** Simulated time runs this many times faster than real time. */
  readonly rate: number;
  /** Injected latency per request, simulated ms. */
  readonly latencyMs: number;
  readonly deployment: DeploymentModel;
  readonly limits: LimitRegime;
  readonly faults: boolean;
  readonly seed: number;
  /** Stop simulating after this many simulated minutes; what is still queued counts as lost. */
  readonly maxMinutes: number;
}

export interface BurstFigures {
  readonly events: number;
  readonly images: number;
  readonly groups: number;
  readonly deployment: DeploymentModel;
  readonly limits: LimitRegime;
  readonly writesPerMinutePerInstance: number;
  readonly writesPerHourPerInstance: number;
  readonly clockRate: number;
  readonly latencyMs: number;
  readonly realSeconds: number;
  /** Simulated minutes from the first event to an empty queue (or to the cap). */
  readonly drainMinutes: number;
  /** Events still queued when the simulation stopped at `maxMinutes`. */
  readonly undrained: number;
  readonly policiesAtExpected: number;
  readonly lostUpdates: readonly string[];
  readonly openPullRequests: number;
  readonly pullRequestsEver: number;
  readonly duplicatePullRequests: number;
  readonly staleDescriptions: number;
  readonly requests: number;
  readonly reads: number;
  readonly notModified: number;
  readonly writes: number;
  readonly peakWritesPerMinute: number;
  readonly peakWritesPerHour: number;
  readonly secondaryLimitRefusals: number;
  readonly primaryLimitRefusals: number;
  readonly faultsInjected: Record<string, number>;
  readonly faultShare: number;
  readonly baseCommitsByOthers: number;
  readonly deadLettered: number;
  readonly deadLetteredUpdatesLost: number;
  readonly eventSource: EventSourceStats;
  readonly workerErrors: Record<string, number>;
  readonly requestsByOperation: Record<string, number>;
}

export async function benchBurst(options: BurstOptions): Promise<BurstFigures> {
  const clock = acceleratedClock(options.rate);
  const random = seededRandom(options.seed);
  const server = await createGitHubTestServer({
    clock,
    latencyMs: clock.real(options.latencyMs),
    seed: options.seed,
    // The emulator's own answers are checked by its tests; here they would only cost CPU.
    validateResponses: false,
    rateLimit: {
      limit: 5000,
      secondary: { perMinute: 80, perHour: options.limits === 'documented' ? 500 : Infinity },
    },
  });
  const images = burstImages();
  server.createRepo(OWNER, REPO, { files: burstRepoFiles(images) });
  if (options.faults) injectFaults(server);

  const d = options.deployment;
  const queue = new SimQueue(clock, {
    visibilityTimeoutMs: d.visibilityTimeoutMs,
    maxReceiveCount: d.maxReceiveCount,
    random,
  });
  const errors: Record<string, number> = {};
  // As the construct sets it: each worker instance and the reconcile get an equal share.
  const writesPerMinute = Math.floor(GITHUB_WRITES_PER_MINUTE / (d.concurrency + 1));
  const writesPerHour = options.limits === 'documented' ? Math.floor((500 * writesPerMinute) / 80) : 0;
  const instances: { kill(): void }[] = [];
  const instance = () => {
    let dead = false;
    const telemetry = quietTelemetry();
    const host = instanceHost(server.url, clock, { writesPerMinute, writesPerHour }, () => dead);
    const worker = createWorker({
      repos: [{ repo: `${OWNER}/${REPO}` }],
      host: async () => host,
      log: telemetry.log,
      metrics: telemetry.metrics,
      apply: { sleep: (ms) => clock.sleep(ms), backoffMs: 200 },
      deadlineMarginMs: clock.real(15_000),
    });
    const created = {
      handler: async (
        event: Parameters<typeof worker>[0],
        context: Parameters<FunctionInstance['handler']>[1],
      ) => {
        const response = await worker(event, context as Parameters<typeof worker>[1]);
        for (const e of telemetry.errors.splice(0)) {
          // One line per kind: shas, PR numbers and waits vary.
          const kind = e.replace(/\b[0-9a-f]{40}\b/g, '<sha>').replace(/\d+/g, 'N');
          errors[kind] = (errors[kind] ?? 0) + 1;
        }
        return response;
      },
      kill: () => void (dead = true),
    };
    instances.push(created);
    return created;
  };

  // The burst: every image's pushes in order, images interleaved at random, within one minute.
  const pending = images.map((m, i) => ({ m, tags: pushSequence(i), next: 0 }));
  const schedule: { m: BurstImage; tag: string }[] = [];
  while (schedule.length < images.length * 10) {
    const p = pending[Math.floor(random() * pending.length)]!;
    if (p.next < p.tags.length) schedule.push({ m: p.m, tag: p.tags[p.next++]! });
  }
  let producing = true;
  const realStart = performance.now();
  const producer = (async () => {
    const spacing = 60_000 / schedule.length;
    for (const [i, e] of schedule.entries()) {
      const due = i * spacing;
      if (clock.elapsed() < due) await clock.sleep(due - clock.elapsed());
      queue.send(ecrPushEvent({ repository: e.m.repository, tag: e.tag, at: clock.now() }));
    }
    producing = false;
  })();
  let baseCommitsByOthers = 0;
  const human = options.faults
    ? (async () => {
        // Someone else keeps committing to main: the PRs' base moves under the updater.
        while ((producing || queue.size > 0) && clock.elapsed() < options.maxMinutes * 60_000) {
          await clock.sleep(45_000);
          baseCommitsByOthers += 1;
          server.commitFiles(
            OWNER,
            REPO,
            'main',
            { 'README.md': `# platform environments\n\nrev ${baseCommitsByOthers}\n` },
            {
              message: `docs: revision ${baseCommitsByOthers}`,
              author: 'octocat',
            },
          );
        }
      })()
    : Promise.resolve();

  const eventSource = await runEventSource({
    clock,
    queue,
    ...eventSourceOf(d),
    instance,
    producing: () => producing,
    until: options.maxMinutes * 60_000,
  });
  await producer;
  await human;
  // Invocations abandoned at a timeout may still be waiting on something: stop them for good.
  for (const i of instances) i.kill();
  const realSeconds = Math.round((performance.now() - realStart) / 100) / 10;

  const figures = verify(server, images, clock, queue);
  await server.close();
  return {
    events: schedule.length,
    images: images.length,
    groups: new Set(images.map((m) => m.group)).size,
    deployment: d,
    limits: options.limits,
    writesPerMinutePerInstance: writesPerMinute,
    writesPerHourPerInstance: writesPerHour,
    clockRate: options.rate,
    latencyMs: options.latencyMs,
    realSeconds,
    drainMinutes: Math.round(eventSource.drainMs / 6000) / 10,
    undrained: queue.size,
    ...figures,
    baseCommitsByOthers,
    deadLettered: queue.deadLetters.length,
    eventSource,
    workerErrors: errors,
  };
}

function injectFaults(server: GitHubTestServer): void {
  // Order matters: the first rule that fires answers. Together about 10 % of all requests.
  server.addFault({
    match: { operationId: 'git/update-ref' },
    probability: 0.15,
    times: Infinity,
    respond: { status: 422, nonFastForward: true },
  });
  server.addFault({
    match: { write: true },
    probability: 0.05,
    times: Infinity,
    respond: { status: 403, secondaryRateLimit: true, retryAfter: 5 },
  });
  server.addFault({
    match: { write: true },
    probability: 0.03,
    times: Infinity,
    afterApply: true,
    respond: { status: 502 },
  });
  server.addFault({ probability: 0.08, times: Infinity, respond: { status: 502 } });
}

function verify(
  server: GitHubTestServer,
  images: readonly BurstImage[],
  clock: SimClock,
  queue: SimQueue,
): Omit<
  BurstFigures,
  | 'events'
  | 'images'
  | 'groups'
  | 'deployment'
  | 'limits'
  | 'writesPerMinutePerInstance'
  | 'writesPerHourPerInstance'
  | 'clockRate'
  | 'latencyMs'
  | 'realSeconds'
  | 'drainMinutes'
  | 'undrained'
  | 'baseCommitsByOthers'
  | 'deadLettered'
  | 'eventSource'
  | 'workerErrors'
> {
  const requestsByOperation: Record<string, number> = {};
  for (const r of server.requests) {
    const k = `${r.operationId} ${r.status}`;
    requestsByOperation[k] = (requestsByOperation[k] ?? 0) + 1;
  }
  const all = server.listPulls(OWNER, REPO, { state: 'all' });
  const open = all.filter((p) => p.state === 'open');
  const lostUpdates: string[] = [];
  let atExpected = 0;
  let staleDescriptions = 0;
  let duplicatePullRequests = 0;
  for (const group of new Set(images.map((m) => m.group))) {
    const branch = `image-updater/${group}`;
    const pulls = all.filter((p) => p.headRef === branch);
    duplicatePullRequests += Math.max(0, pulls.length - 1);
    const pull = pulls.find((p) => p.state === 'open');
    const state = pull ? readPrState(pull.body ?? '') : undefined;
    if (pull && (!state || state.commit !== pull.headSha)) staleDescriptions += 1;
    for (const m of images.filter((x) => x.group === group)) {
      const tag = pull ? referencedTag(m, server.readFile(OWNER, REPO, branch, m.file)) : undefined;
      if (tag === EXPECTED_TAG) atExpected += 1;
      else lostUpdates.push(`${m.policy}: ${tag ?? 'no PR'}`);
      if (pull && state?.policies[m.policy]?.tag !== EXPECTED_TAG && state?.commit === pull.headSha)
        staleDescriptions += 0; // counted once per PR above
    }
  }
  const requests = server.requests;
  const writes = requests.filter((r) => r.write);
  const times = writes.map((r) => clock.at(r.startedAt)).sort((a, b) => a - b);
  const faultsInjected: Record<string, number> = {};
  for (const r of requests) if (r.fault) faultsInjected[r.fault] = (faultsInjected[r.fault] ?? 0) + 1;
  const faulted = requests.filter((r) => r.fault).length;
  // The dead-lettered events whose update did not land anyway (the others were repaired by later events).
  const deadLetteredUpdatesLost = queue.deadLetters.length > 0 ? lostUpdates.length : 0;
  return {
    policiesAtExpected: atExpected,
    lostUpdates,
    openPullRequests: open.length,
    pullRequestsEver: all.length,
    duplicatePullRequests,
    staleDescriptions,
    requests: requests.length,
    reads: requests.length - writes.length,
    notModified: requests.filter((r) => r.status === 304).length,
    writes: writes.length,
    peakWritesPerMinute: peakInWindow(times, 60_000),
    peakWritesPerHour: peakInWindow(times, 3_600_000),
    secondaryLimitRefusals: requests.filter((r) => r.status === 403 && !r.fault && r.write).length,
    primaryLimitRefusals: requests.filter((r) => r.status === 403 && !r.fault && !r.write).length,
    faultsInjected,
    faultShare: Math.round((faulted / Math.max(1, requests.length)) * 1000) / 10,
    deadLetteredUpdatesLost,
    requestsByOperation,
  };
}
