/**
 * Environment promotion (docs/promotion.md) through GitHub's events, with the production adapter
 * against the GitHub test server: a merged dev PR proposes staging, a merged staging PR proposes
 * prod, each with the same tag and digest; a registry push moves dev only.
 */
import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { TagListCache } from '../../../lambdas/adapters/registry/tag-lists.ts';
import type { RepoPushEvent } from '../../../lambdas/core/repo-events.ts';
import { MemoryImageIndex } from '../../../lambdas/adapters/local/memory-index.ts';
import { loadConfig } from '../../../lambdas/config/load.ts';
import { RepoDirectory } from '../../../lambdas/handlers/repo-directory.ts';
import { handleRepoEvent } from '../../../lambdas/handlers/repo-events.ts';
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
import type { UpdaterDeps } from '../../../lambdas/handlers/updater-deps.ts';
import type { DelayedWork } from '../../../lambdas/ports/delayed-work.ts';

const API = `${ECR}/shop/api`;
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;

const CONFIG = (devUpdate = 'pull-request', stagingAfter?: string) => `version: 1
policies:
  - name: api-dev
    image: ${API}
    files: ["dev/**"]
    update: ${devUpdate}
  - name: api-staging
    image: ${API}
    promote: { from: api-dev${stagingAfter ? `, after: ${stagingAfter}` : ''} }
    files: ["staging/**"]
  - name: api-prod
    image: ${API}
    promote: { from: api-staging }
    files: ["prod/**"]
`;
const FILES = (devUpdate?: string, stagingAfter?: string) => ({
  '.image-updater.yaml': CONFIG(devUpdate, stagingAfter),
  // Different texts, as in a real repository: each file is a blob read of its own.
  'dev/api.yaml': deployment(`${API}:1.4.0@${D1}`, 'api-dev'),
  'staging/api.yaml': deployment(`${API}:1.4.0@${D1}`, 'api-staging'),
  'prod/api.yaml': deployment(`${API}:1.4.0@${D1}`, 'api-prod'),
});
const githubEnvFor = githubEnvPerTest();

function context(env: GitHubEnv, extra: Pick<UpdaterDeps, 'delayedWork' | 'now'> = {}) {
  const repos = [{ repo: `${OWNER}/${REPO}` }];
  const index = new MemoryImageIndex();
  return {
    deps: {
      repos,
      log: recordingLog(),
      metrics: recordingMetrics(),
      host: async () => env.host,
      apply: { backoffMs: 1 },
      ...extra,
    },
    directory: new RepoDirectory({ repos, index, log: recordingLog() }),
    index,
    memo: { checkedConfigs: new Set<string>() },
    host: env.host,
    // The registry: a merged PR's run lists it, as a reconcile does.
    tagLists: new TagListCache({
      supports: () => true,
      listTags: async () => [
        { tag: '1.4.0', digest: D1 },
        { tag: '1.5.0', digest: D2 },
      ],
    }),
  };
}

async function cost(env: GitHubEnv, run: () => Promise<unknown>) {
  env.server.resetLog();
  await run();
  const requests = env.server.requests;
  return {
    requests: requests.length,
    writes: requests.filter((r) => r.write && r.status < 300).map((r) => r.operationId),
  };
}

describe('promotion through GitHub events', () => {
  it('dev merged → staging PR with the same tag and digest; staging merged → prod PR; a registry push moves dev only', async () => {
    const env = await githubEnvFor(FILES());
    const ctx = context(env);
    await env.apply([push(API, '1.5.0', { digest: D2 })]);
    expect(env.server.listPulls(OWNER, REPO, { state: 'open' }).map((p) => p.headRef)).toEqual([
      'image-updater/api-dev',
    ]);

    const devMerged = await mergeAsPerson(env, 'api-dev');
    const promoted = await cost(env, () => handleRepoEvent(ctx, devMerged));
    if (process.env.SHOW_REQUESTS)
      console.log(env.server.requests.map((r) => `${r.operationId} ${r.status}`));
    const staging = openPull(env, 'api-staging');
    expect(staging?.title).toBe('chore(images): update api-staging to 1.5.0');
    expect(env.read('staging/api.yaml', 'image-updater/api-staging')).toContain(
      `image: ${API}:1.5.0@${D2} #`,
    );
    expect(staging?.body).toContain(
      `- api-staging follows api-dev, which runs \`1.5.0\` on \`main\` (\`dev/api.yaml:10\`): brought there by #${devMerged.number} (${devMerged.mergeCommitSha}), since `,
    );
    expect(staging?.body).toContain(`the same image, digest \`${D2}\``);
    // Nothing for prod yet: staging does not run 1.5.0.
    expect(openPull(env, 'api-prod')).toBeUndefined();
    // The run (a merged PR's: every policy): one wave of reads, the dev, staging and prod files,
    // then the new PR (4 writes) and its labels, and the dashboard (dev up to date, staging's PR).
    // Which PR brought 1.5.0 to main comes from the pull request list of the first wave.
    expect(promoted.writes).toEqual([
      'git/create-tree',
      'git/create-commit',
      'git/create-ref',
      'pulls/create',
      'issues/add-labels',
      'issues/update',
    ]);
    expect(promoted.requests).toBe(14);

    // A re-pushed tag with another digest: dev keeps the image it runs (same tag), and neither
    // staging nor prod moves; a newer tag moves dev alone.
    await env.apply([push(API, '1.5.0', { digest: D3 })]);
    await env.apply([push(API, '1.6.0', { digest: D3 })]);
    expect(openPull(env, 'api-dev')?.title).toContain('1.6.0');
    expect(env.read('staging/api.yaml', 'image-updater/api-staging')).toContain(`${API}:1.5.0@${D2}`);
    expect(openPull(env, 'api-prod')).toBeUndefined();

    const stagingMerged = await mergeAsPerson(env, 'api-staging');
    await handleRepoEvent(ctx, stagingMerged);
    const prod = openPull(env, 'api-prod');
    expect(prod?.title).toBe('chore(images): update api-prod to 1.5.0');
    expect(env.read('prod/api.yaml', 'image-updater/api-prod')).toContain(`image: ${API}:1.5.0@${D2} #`);
    expect(prod?.body).toContain(`brought there by #${stagingMerged.number}`);
    // Staging's source still runs 1.5.0 on main: no new staging PR for dev's open 1.6.0.
    expect(openPull(env, 'api-staging')).toBeUndefined();

    const dashboard = env.server.listIssues(OWNER, REPO).find((i) => i.title === 'image-updater dashboard');
    expect(dashboard?.body).toMatch(
      /\| api-staging \| `[^`]+` \| `1\.5\.0` \| `1\.5\.0` \| follows api-dev \| up to date: runs what api-dev runs \|/,
    );
    expect(dashboard?.body).toMatch(
      /\| api-prod \| `[^`]+` \| `1\.4\.0` \| in #\d+ \| follows api-staging \| #\d+ open/,
    );
  });

  it('a direct commit upstream (update: commit) promotes from the push event it causes', async () => {
    const env = await githubEnvFor(FILES('commit'));
    const ctx = context(env);
    // What the last run of the repository recorded: the files promotions follow.
    const loaded = await loadConfig(CONFIG('commit'));
    if (!loaded.ok) throw new Error('invalid config');
    await ctx.directory.record(
      { repo: `${OWNER}/${REPO}` },
      { kind: 'valid', sha: 'sha', policies: loaded.config.policies },
      { readAt: Date.now() },
    );
    expect((await ctx.index.get(`${OWNER}/${REPO}`))?.promotes).toEqual(['dev/**', 'staging/**']);
    await env.apply([push(API, '1.5.0', { digest: D2 })]);
    expect(env.read('dev/api.yaml')).toContain(`${API}:1.5.0@${D2}`);
    expect(openPull(env, 'api-staging')).toBeUndefined();
    const event: RepoPushEvent = {
      type: 'push',
      repo: `${OWNER}/${REPO}`,
      branch: 'main',
      after: 'the new head',
      changedPaths: ['dev/api.yaml'],
      truncated: false,
    };
    const promoted = await cost(env, () => handleRepoEvent(ctx, event));
    const staging = openPull(env, 'api-staging');
    expect(env.read('staging/api.yaml', 'image-updater/api-staging')).toContain(`${API}:1.5.0@${D2}`);
    expect(staging?.body).toContain(
      'brought there by a commit that was not an image-updater pull request on the latest page of pull requests',
    );
    expect(promoted.writes).toEqual([
      'git/create-tree',
      'git/create-commit',
      'git/create-ref',
      'pulls/create',
      'issues/add-labels',
      'issues/update',
    ]);
    expect(promoted.requests).toBe(13);

    // A push that touches no source's files costs no request: the index says which files count.
    const other = await cost(env, () =>
      handleRepoEvent(ctx, { ...event, changedPaths: ['envs/prod/x.yaml'] }),
    );
    expect(other.requests).toBe(0);
    // Nor does any push in a repository whose config has no promotion.
    await ctx.index.put({ ...(await ctx.index.get(`${OWNER}/${REPO}`))!, promotes: undefined });
    const none = await cost(env, () => handleRepoEvent(ctx, event));
    expect(none.requests).toBe(0);
  });

  it('the reconcile promotes too; while the source references disagree the dashboard says so, and nothing is proposed', async () => {
    const env = await githubEnvFor({
      ...FILES(),
      'dev/api.yaml': deployment(`${API}:1.5.0@${D2}`, 'api-dev'),
      'dev/worker.yaml': deployment(`${API}:1.6.0@${D3}`, 'api-dev-worker'),
    });
    await env.apply({ pushes: [], reconcile: true });
    expect(openPull(env, 'api-staging')).toBeUndefined();
    const dashboard = env.server.listIssues(OWNER, REPO).find((i) => i.title === 'image-updater dashboard');
    expect(dashboard?.body).toContain(
      '| `1.4.0` | `1.4.0` | follows api-dev | **held**: the references of "api-dev" on main disagree: 1.5.0 &#40;dev/api.yaml:10&#41;, 1.6.0 &#40;dev/worker.yaml:10&#41;; promoted once they agree |',
    );
    expect(dashboard?.body).toContain(
      '- [ ] <!-- retry:api-staging --> Retry **api-staging** now, from what api-dev runs',
    );
    env.server.commitFiles(OWNER, REPO, 'main', {
      'dev/worker.yaml': deployment(`${API}:1.5.0@${D2}`, 'api-dev-worker'),
    });
    await env.apply({ pushes: [], reconcile: true });
    expect(env.read('staging/api.yaml', 'image-updater/api-staging')).toContain(`${API}:1.5.0@${D2}`);
  });

  it('promote.after: the merged PR holds staging and sets one wake-up; the wake-up opens the PR once due', async () => {
    const env = await githubEnvFor(FILES('pull-request', '2h'));
    const runs: { due: Date; repo: string }[] = [];
    const delayedWork: DelayedWork = {
      scheduleAt: async () => {
        throw new Error('no push is held here');
      },
      scheduleRepoRun: async (due, repo) => void runs.push({ due, repo }),
    };
    let now = Date.now();
    const ctx = context(env, { delayedWork, now: () => now });
    await env.apply([push(API, '1.5.0', { digest: D2 })]);
    const devMerged = await mergeAsPerson(env, 'api-dev');
    const { data: mergedPull } = await new Octokit({
      baseUrl: env.server.url,
      auth: 'alice-token',
    }).rest.pulls.get({
      owner: OWNER,
      repo: REPO,
      pull_number: devMerged.number,
    });
    const mergedAt = mergedPull.merged_at;
    if (!mergedAt) throw new Error('no merge time');
    const due = new Date(Date.parse(mergedAt) + 2 * 3_600_000);

    await handleRepoEvent(ctx, devMerged);
    expect(openPull(env, 'api-staging')).toBeUndefined();
    expect(runs).toEqual([{ due, repo: `${OWNER}/${REPO}` }]);
    const dashboard = () =>
      env.server.listIssues(OWNER, REPO).find((i) => i.title === 'image-updater dashboard')?.body ?? '';
    expect(dashboard()).toContain(
      `**held**: "api-dev" runs 1.5.0 on main since ${mergedAt}, soaking until ${due.toISOString().replace('.000Z', 'Z')} &#40;promote.after 2h&#41;`,
    );

    // A wake-up early (a clock behind, a redelivery): still held, the same wake-up asked again
    // (one schedule name), the dashboard not rewritten.
    now = due.getTime() - 1000;
    const early = await cost(env, () =>
      handleRepoEvent(ctx, { type: 'promotion-due', repo: `${OWNER}/${REPO}` }),
    );
    expect(openPull(env, 'api-staging')).toBeUndefined();
    expect(runs.map((r) => r.due)).toEqual([due, due]);
    expect(early.writes).toEqual([]);

    now = due.getTime();
    const woken = await cost(env, () =>
      handleRepoEvent(ctx, { type: 'promotion-due', repo: `${OWNER}/${REPO}` }),
    );
    if (process.env.SHOW_REQUESTS)
      console.log(env.server.requests.map((r) => `${r.operationId} ${r.status}`));
    const staging = openPull(env, 'api-staging');
    expect(env.read('staging/api.yaml', 'image-updater/api-staging')).toContain(
      `image: ${API}:1.5.0@${D2} #`,
    );
    expect(staging?.body).toContain('  - soak: ran 2 h of the required 2 h (`promote.after: 2h`, due at ');
    // The wake-up's run: the promotions alone, from the files (no registry list), then the new
    // PR and the dashboard.
    expect(woken.writes).toEqual([
      'git/create-tree',
      'git/create-commit',
      'git/create-ref',
      'pulls/create',
      'issues/add-labels',
      'issues/update',
    ]);
    // Warm: the first wave of reads is answered "not modified", the blobs are cached.
    expect(early.requests).toBe(5);
    expect(woken.requests).toBe(11);

    // A wake-up for a repository no longer watched does nothing.
    const gone = await cost(env, () =>
      handleRepoEvent(ctx, { type: 'promotion-due', repo: 'acme/elsewhere' }),
    );
    expect(gone.requests).toBe(0);
  });

  it('promote.after on a direct commit upstream: the soak counts from the last commit that changed the source file (one request)', async () => {
    const env = await githubEnvFor(FILES('commit', '30m'));
    const runs: Date[] = [];
    const delayedWork: DelayedWork = {
      scheduleAt: async () => {},
      scheduleRepoRun: async (due) => void runs.push(due),
    };
    let now = Date.now();
    const ctx = context(env, { delayedWork, now: () => now });
    await env.apply([push(API, '1.5.0', { digest: D2 })]);
    const { data: commits } = await new Octokit({
      baseUrl: env.server.url,
      auth: 'test-token',
    }).rest.repos.listCommits({ owner: OWNER, repo: REPO, sha: 'main', path: 'dev/api.yaml', per_page: 1 });
    const committed = commits[0]!;
    const due = new Date(Date.parse(committed.commit.committer!.date!) + 30 * 60_000);
    const event: RepoPushEvent = {
      type: 'push',
      repo: `${OWNER}/${REPO}`,
      branch: 'main',
      after: committed.sha,
      changedPaths: ['dev/api.yaml'],
      truncated: false,
    };
    await ctx.directory.refresh(env.host, { repo: `${OWNER}/${REPO}` });
    const held = await cost(env, () => handleRepoEvent(ctx, event));
    expect(openPull(env, 'api-staging')).toBeUndefined();
    expect(runs).toEqual([due]);
    expect(env.server.requests.filter((r) => r.operationId === 'repos/list-commits')).toHaveLength(1);
    expect(held.writes).toEqual(['issues/update']);

    now = due.getTime();
    await handleRepoEvent(ctx, { type: 'promotion-due', repo: `${OWNER}/${REPO}` });
    const staging = openPull(env, 'api-staging');
    expect(env.read('staging/api.yaml', 'image-updater/api-staging')).toContain(`${API}:1.5.0@${D2}`);
    expect(staging?.body).toContain(`brought there by ${committed.sha}, since `);
    expect(staging?.body).toContain('  - soak: ran 30 min of the required 30 min (`promote.after: 30m`');
  });

  it('a reconcile keeps an open promotion PR that proposes what the source runs (it used to close it)', async () => {
    const env = await githubEnvFor(FILES('commit'));
    await env.apply([push(API, '1.5.0', { digest: D2 })]);
    await env.apply({ pushes: [], reconcile: true });
    const opened = openPull(env, 'api-staging');
    expect(opened).toBeDefined();
    const again = await cost(env, () => env.apply({ pushes: [], reconcile: true }));
    expect(openPull(env, 'api-staging')?.number).toBe(opened?.number);
    expect(again.writes).toEqual([]);
  });
});
