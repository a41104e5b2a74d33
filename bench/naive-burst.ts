/**
 * The naive script over the same burst: every push whose tag looks like a version
 * (`^\d+\.\d+\.\d+$`, the usual CI filter) runs the script of naive.ts: a branch per tag, one
 * Contents-API commit per file, a new PR. Ten pushes run at once (CI jobs in parallel), with the
 * same 50 ms latency. GitHub's secondary limits are switched off for this run so it completes;
 * the time those writes would need under them is computed from the count (80 a minute, 500 an
 * hour), not simulated.
 */
import { createOctokit } from '../lambdas/adapters/github/octokit.ts';
import { createGitHubTestServer } from '@image-updater/github-test-server';
import { burstImages, burstRepoFiles, EXPECTED_TAG, OWNER, pushSequence, REPO } from './burst-repo.ts';
import { naivePush } from './naive.ts';

export interface NaiveBurstFigures {
  readonly pushesActedOn: number;
  readonly requests: number;
  readonly writes: number;
  readonly pullRequests: number;
  /** PRs proposing anything but the greatest allowed tag (out of range, older, superseded). */
  readonly pullRequestsNotAtExpected: number;
  readonly failedRuns: number;
  readonly wallSeconds: number;
  /** Hours GitHub's secondary limits (80/min, 500/h) would need for these writes. */
  readonly hoursUnderSecondaryLimits: number;
}

export async function benchNaiveBurst(seed = 7): Promise<NaiveBurstFigures> {
  const server = await createGitHubTestServer({
    latencyMs: 50,
    validateResponses: false,
    rateLimit: { limit: 1_000_000, secondary: false },
  });
  const images = burstImages();
  server.createRepo(OWNER, REPO, { files: burstRepoFiles(images) });
  const octokit = createOctokit({ baseUrl: server.url, auth: 'test-token', writesPerMinute: 0 });
  // Same interleaving as the updater's burst: each image's pushes in order, images at random.
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
  const pending = images.map((m, i) => ({ m, tags: pushSequence(i), next: 0 }));
  const pushes: { file: string; image: string; tag: string }[] = [];
  let total = 0;
  while (total < images.length * 10) {
    const p = pending[Math.floor(random() * pending.length)]!;
    if (p.next >= p.tags.length) continue;
    const tag = p.tags[p.next++]!;
    total += 1;
    if (/^\d+\.\d+\.\d+$/.test(tag)) pushes.push({ file: p.m.file, image: p.m.image, tag });
  }
  const start = performance.now();
  let failed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < pushes.length) {
        const push = pushes[next++]!;
        const outcome = await naivePush(octokit, { owner: OWNER, repo: REPO, files: [push.file], ...push });
        if (outcome.kind === 'failed') failed += 1;
      }
    }),
  );
  const wallSeconds = Math.round((performance.now() - start) / 100) / 10;
  const pulls = server.listPulls(OWNER, REPO, { state: 'all' });
  const writes = server.writeCount();
  const figures: NaiveBurstFigures = {
    pushesActedOn: pushes.length,
    requests: server.requestCount(),
    writes,
    pullRequests: pulls.length,
    pullRequestsNotAtExpected: pulls.filter((p) => !p.title.endsWith(` to ${EXPECTED_TAG}`)).length,
    failedRuns: failed,
    wallSeconds,
    hoursUnderSecondaryLimits: Math.round(Math.max(writes / 80 / 60, writes / 500) * 10) / 10,
  };
  await server.close();
  return figures;
}
