/**
 * `promote: { when: healthy }` (docs/promotion.md) through the worker's repository events, with
 * the production GitHub adapter against the GitHub test server: prod follows staging once the
 * staging environment reports healthy at a commit containing staging's change. A report for an
 * older commit does not release it; one for the merged commit does; the reports are kept on the
 * dashboard, so a later run (a soak's wake-up) still has them.
 */
import { describe, expect, it } from 'vitest';
import { TagListCache } from '../../../lambdas/adapters/registry/tag-lists.ts';
import { MemoryImageIndex } from '../../../lambdas/adapters/local/memory-index.ts';
import type { HealthEvent } from '../../../lambdas/core/repo-events.ts';
import { RepoDirectory } from '../../../lambdas/handlers/repo-directory.ts';
import { handleRepoEvent } from '../../../lambdas/handlers/repo-events.ts';
import type { UpdaterDeps } from '../../../lambdas/handlers/updater-deps.ts';
import type { DelayedWork } from '../../../lambdas/ports/delayed-work.ts';
import {
  deployment,
  ECR,
  githubEnvPerTest,
  mergeAsPerson,
  openPull,
  OWNER,
  push,
  REPO,
  type GitHubEnv,
} from '../../support/github-env.ts';
import { recordingLog, recordingMetrics } from '../../support/handlers.ts';

const API = `${ECR}/shop/api`;
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

const CONFIG = (prod: string) => `version: 1
policies:
  - name: api-dev
    image: ${API}
    files: ["dev/**"]
  - name: api-staging
    image: ${API}
    promote: { from: api-dev }
    files: ["staging/**"]
  - name: api-prod
    image: ${API}
    promote: ${prod}
    files: ["prod/**"]
`;
const FILES = (prod: string) => ({
  '.image-updater.yaml': CONFIG(prod),
  'dev/api.yaml': deployment(`${API}:1.4.0@${D1}`, 'api-dev'),
  'staging/api.yaml': deployment(`${API}:1.4.0@${D1}`, 'api-staging'),
  'prod/api.yaml': deployment(`${API}:1.4.0@${D1}`, 'api-prod'),
});
const githubEnvFor = githubEnvPerTest();

function context(env: GitHubEnv, extra: Pick<UpdaterDeps, 'delayedWork' | 'now'> = {}) {
  const repos = [{ repo: `${OWNER}/${REPO}` }];
  return {
    deps: {
      repos,
      log: recordingLog(),
      metrics: recordingMetrics(),
      host: async () => env.host,
      apply: { backoffMs: 1 },
      ...extra,
    },
    directory: new RepoDirectory({ repos, index: new MemoryImageIndex(), log: recordingLog() }),
    memo: { checkedConfigs: new Set<string>() },
    host: env.host,
    tagLists: new TagListCache({
      supports: () => true,
      listTags: async () => [
        { tag: '1.4.0', digest: D1 },
        { tag: '1.5.0', digest: D2 },
      ],
    }),
  };
}

const report = (revision: string, healthy = true, application = 'shop-staging'): HealthEvent => ({
  type: 'health',
  repo: `${OWNER}/${REPO}`,
  application,
  revision,
  healthy,
  at: '2026-12-07T02:00:00.000Z',
  source: 'argocd',
});

async function cost(env: GitHubEnv, run: () => Promise<unknown>) {
  env.server.resetLog();
  await run();
  return {
    requests: env.server.requests.length,
    operations: env.server.requests.map((r) => r.operationId),
    writes: env.server.requests.filter((r) => r.write && r.status < 300).map((r) => r.operationId),
  };
}

const dashboard = (env: GitHubEnv) =>
  env.server.listIssues(OWNER, REPO).find((i) => i.title === 'image-updater dashboard')?.body ?? '';

/** dev merged → staging PR → staging merged: what prod follows is on main. */
async function stagingMerged(env: GitHubEnv, ctx: ReturnType<typeof context>) {
  await env.apply([push(API, '1.5.0', { digest: D2 })]);
  const dev = await mergeAsPerson(env, 'api-dev');
  await handleRepoEvent(ctx, dev);
  const staging = await mergeAsPerson(env, 'api-staging');
  await handleRepoEvent(ctx, staging);
  return { dev, staging };
}

describe('promote when: healthy through the worker', () => {
  it('a report for an older commit does not release prod; one for the merged commit does', async () => {
    const env = await githubEnvFor(FILES('{ from: api-staging, when: healthy, application: shop-staging }'));
    const ctx = context(env);
    const { dev, staging } = await stagingMerged(env, ctx);
    const landed = staging.mergeCommitSha;
    expect(openPull(env, 'api-prod')).toBeUndefined();
    const waiting = `waiting for shop-staging to report healthy at ${landed.slice(0, 12)} (which brought 1.5.0 to main) or a later commit`;
    const md = (text: string) => text.replaceAll('(', '&#40;').replaceAll(')', '&#41;');
    expect(dashboard(env)).toContain(`**held**: ${md(waiting)}`);

    // Staging healthy at dev's merge, before staging's change: prod stays held, one compare.
    const older = await cost(env, () => handleRepoEvent(ctx, report(dev.mergeCommitSha)));
    expect(openPull(env, 'api-prod')).toBeUndefined();
    expect(older.operations.filter((o) => o === 'repos/compare-commits')).toHaveLength(1);
    expect(dashboard(env)).toContain(
      `**held**: ${md(waiting)}; its last report &#40;argocd, 2026-12-07T02:00:00Z&#41;: healthy at ${dev.mergeCommitSha.slice(0, 12)}, which does not contain it`,
    );
    // The report is kept on the dashboard, the only write.
    expect(older.writes).toEqual(['issues/update']);
    // The first wave of reads (304 on a warm instance), the compare, the dashboard.
    expect(older.requests).toBe(7);
    expect(dashboard(env)).toContain(
      `"health":{"shop-staging":{"revision":"${dev.mergeCommitSha}","healthy":true`,
    );

    // A report of an application no policy names changes nothing and keeps nothing.
    const other = await cost(env, () => handleRepoEvent(ctx, report(landed, true, 'shop-qa')));
    expect(other.writes).toEqual([]);
    expect(openPull(env, 'api-prod')).toBeUndefined();

    // Staging degraded at the merged commit: still held.
    await handleRepoEvent(ctx, report(landed, false));
    expect(openPull(env, 'api-prod')).toBeUndefined();
    expect(dashboard(env)).toContain(`: not healthy at ${landed.slice(0, 12)}`);

    // Healthy at the merged commit: the prod PR, saying which report it waited for.
    const released = await cost(env, () => handleRepoEvent(ctx, report(landed)));
    if (process.env.SHOW_REQUESTS) console.log(released.operations);
    const prod = openPull(env, 'api-prod');
    expect(env.read('prod/api.yaml', 'image-updater/api-prod')).toContain(`image: ${API}:1.5.0@${D2} #`);
    expect(prod?.body).toContain(
      `  - health: shop-staging reported healthy at \`${landed}\` (argocd, 2026-12-07T02:00:00Z), which contains \`${landed}\`.`,
    );
    // The merged commit itself: no compare.
    expect(released.operations).not.toContain('repos/compare-commits');
    expect(released.requests).toBe(11);

    // Staging degraded after the prod PR opened: the PR, which passed the gate, is not taken back.
    await handleRepoEvent(ctx, report(landed, false));
    expect(openPull(env, 'api-prod')?.number).toBe(prod?.number);
  });

  it('a report for a later commit (a descendant) releases it; one for a commit the repository lacks does not', async () => {
    const env = await githubEnvFor(
      FILES('{ from: api-staging, when: healthy, application: flux-system/shop-staging }'),
    );
    const ctx = context(env);
    const { staging } = await stagingMerged(env, ctx);
    const unknown = 'f'.repeat(40);
    await handleRepoEvent(ctx, {
      ...report(unknown),
      application: 'flux-system/shop-staging',
      source: 'flux',
    });
    expect(openPull(env, 'api-prod')).toBeUndefined();
    const later = env.server.commitFiles(OWNER, REPO, 'main', { 'docs/readme.md': 'later\n' });
    expect(later).not.toBe(staging.mergeCommitSha);
    await handleRepoEvent(ctx, { ...report(later), application: 'flux-system/shop-staging', source: 'flux' });
    expect(openPull(env, 'api-prod')?.body).toContain(`which contains \`${staging.mergeCommitSha}\``);
  });

  it('with after: a report that came during the soak is kept, and the wake-up releases prod', async () => {
    const env = await githubEnvFor(
      FILES('{ from: api-staging, after: 1h, when: healthy, application: shop-staging }'),
    );
    const runs: Date[] = [];
    const delayedWork: DelayedWork = {
      scheduleAt: async () => {},
      scheduleRepoRun: async (due) => void runs.push(due),
    };
    let now = Date.now();
    const ctx = context(env, { delayedWork, now: () => now });
    const { staging } = await stagingMerged(env, ctx);
    expect(runs).toHaveLength(1);
    await handleRepoEvent(ctx, report(staging.mergeCommitSha));
    // Healthy, but soaking: held until the wake-up.
    expect(openPull(env, 'api-prod')).toBeUndefined();
    expect(dashboard(env)).toContain('soaking until');
    now = runs[0]!.getTime();
    await handleRepoEvent(ctx, { type: 'promotion-due', repo: `${OWNER}/${REPO}` });
    const prod = openPull(env, 'api-prod');
    expect(prod?.body).toContain('  - soak: ran 1 h of the required 1 h');
    expect(prod?.body).toContain('  - health: shop-staging reported healthy at');
  });

  it('a report for a repository not watched costs nothing', async () => {
    const env = await githubEnvFor(FILES('{ from: api-staging, when: healthy, application: shop-staging }'));
    const ctx = context(env);
    const none = await cost(env, () =>
      handleRepoEvent(ctx, { ...report('a'.repeat(40)), repo: 'acme/elsewhere' }),
    );
    expect(none.requests).toBe(0);
  });
});
