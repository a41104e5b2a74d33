/**
 * The image index at organisation scale, against the GitHub test server through the real
 * Octokit: a push costs requests only in the repositories that watch its image, once GitHub's
 * events keep the index fresh; discovery finds an App's repositories that have a config; a
 * config push re-indexes and applies at once; a repository whose config cannot be read is run
 * on every push, never dropped.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../../lambdas/adapters/github/host.ts';
import type { GitHost } from '../../../lambdas/ports/git-host.ts';
import { MemoryImageIndex } from '../../../lambdas/adapters/local/memory-index.ts';
import { encodePushMessage } from '../../../lambdas/adapters/sqs/messages.ts';
import type { WatchedRepo } from '../../../lambdas/handlers/env.ts';
import { RepoDirectory } from '../../../lambdas/handlers/repo-directory.ts';
import { handleRepoEvent } from '../../../lambdas/handlers/repo-events.ts';
import { createWorker, type WorkerDeps } from '../../../lambdas/handlers/worker.ts';
import { TagListCache } from '../../../lambdas/adapters/registry/tag-lists.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog, recordingMetrics, sqsEvent, sqsRecord } from '../../support/handlers.ts';

const API = 'ghcr.io/acme/api';
const WEB = 'ghcr.io/acme/web';
const policy = (image: string) =>
  `version: 1\npolicies:\n  - name: app\n    image: ${image}\n    strategy: semver\n`;
const deployment = (image: string, tag: string) =>
  `spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${image}:${tag}\n`;

let server: GitHubTestServer;
let privateKey: string;
let org = 0;

beforeAll(async () => {
  server = await createGitHubTestServer();
  privateKey = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  }).privateKey;
  server.configureApp({ appId: 77, privateKeyPem: privateKey, installationId: 5 });
});
afterAll(() => server.close());
beforeEach(() => server.resetLog());

/** `count` repositories of a fresh owner; those at `watching` indexes follow API, the rest WEB. */
function organisation(count: number, watching: readonly number[], extra: { withoutConfig?: number[] } = {}) {
  const owner = `org${++org}`;
  const repos: WatchedRepo[] = [];
  for (let i = 0; i < count; i++) {
    const image = watching.includes(i) ? API : WEB;
    const files: Record<string, string> = { 'apps/deployment.yaml': deployment(image, '1.0.0') };
    if (!extra.withoutConfig?.includes(i)) files['.image-updater.yaml'] = policy(image);
    server.createRepo(owner, `env-${i}`, { files });
    repos.push({ repo: `${owner}/env-${i}` });
  }
  return { owner, repos };
}

const host = (auth: 'token' | 'app' = 'token') =>
  new GitHubHost({
    auth: auth === 'token' ? { kind: 'token', token: 'test-token' } : { kind: 'app', appId: 77, privateKey },
    baseUrl: server.url,
    writesPerMinute: 0,
    retries: 0,
    retryAfterBaseMs: 1,
  });

/** A trusted index discovering the App's repositories of `owner`. */
function discovering(owner: string) {
  const index = new MemoryImageIndex();
  const directory = new RepoDirectory({
    repos: [],
    discovery: { names: [`${owner}/*`] },
    index,
    trustIndex: true,
    log: recordingLog(),
  });
  return { index, gitHost: host('app'), directory };
}

/** Requests per repository (`owner/name`) since the last reset. */
function requestsByRepo(owner: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of server.requests) {
    const match = new RegExp(`^/repos/(${owner}/[^/?]+)`).exec(request.url);
    if (match) counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + 1);
  }
  return counts;
}

const push = (image: string, tag: string) => sqsRecord(encodePushMessage({ image, tag }, 'test'));

function worker(deps: Partial<WorkerDeps> & Pick<WorkerDeps, 'repos'>, gitHost = host()) {
  const log = recordingLog();
  return {
    log,
    handler: createWorker({
      host: async () => gitHost,
      log,
      metrics: recordingMetrics(),
      apply: { backoffMs: 1 },
      ...deps,
    }),
  };
}

describe('a push with a trusted index', () => {
  it('reads every listed repository once, then only those that watch the pushed image', async () => {
    const { owner, repos } = organisation(20, [3, 11]);
    const index = new MemoryImageIndex();
    const { handler } = worker({ repos, index, trustIndex: true });

    await handler(sqsEvent(push(API, '1.1.0')));
    expect(requestsByRepo(owner).size).toBe(20);
    expect(server.listPulls(owner, 'env-3', { state: 'open' })).toHaveLength(1);

    server.resetLog();
    await handler(sqsEvent(push(API, '1.2.0')));
    const second = requestsByRepo(owner);
    expect([...second.keys()].sort()).toEqual([`${owner}/env-11`, `${owner}/env-3`]);
    expect(server.readFile(owner, 'env-11', 'image-updater/app', 'apps/deployment.yaml')).toBe(
      deployment(API, '1.2.0'),
    );
  });

  it('costs nothing in any repository for an image nobody watches', async () => {
    const { owner, repos } = organisation(8, [0]);
    const index = new MemoryImageIndex();
    const { handler } = worker({ repos, index, trustIndex: true });
    await handler(sqsEvent(push(API, '1.1.0')));
    server.resetLog();
    await handler(sqsEvent(push('ghcr.io/acme/nobody', '9.9.9')));
    expect(requestsByRepo(owner).size).toBe(0);
  });

  it('without GitHub events reads every repository on every push, so a config edit is seen by the next push', async () => {
    const { owner, repos } = organisation(6, [1]);
    const { handler } = worker({ repos, index: new MemoryImageIndex() });
    await handler(sqsEvent(push(API, '1.1.0')));
    server.resetLog();
    await handler(sqsEvent(push(API, '1.2.0')));
    expect(requestsByRepo(owner).size).toBe(6);
  });
});

describe('discovery with a GitHub App', () => {
  it('watches the installation repositories the filter allows and that have a config; a push costs only the watchers', async () => {
    const { owner } = organisation(12, [2, 7], { withoutConfig: [9] });
    server.createRepo(owner, 'archived-env', {
      files: { '.image-updater.yaml': policy(API) },
      settings: { archived: true },
    });
    const index = new MemoryImageIndex();
    const gitHost = host('app');
    const { handler } = worker(
      { repos: [], discovery: { names: [`${owner}/env-*`] }, index, trustIndex: true },
      gitHost,
    );

    await handler(sqsEvent(push(API, '1.1.0')));
    const entries = await index.all();
    expect(entries.map((e) => e.repo).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `${owner}/env-${i}`).sort(),
    );
    expect(entries.find((e) => e.repo === `${owner}/env-9`)?.status).toBe('no-config');
    expect(server.listPulls(owner, 'env-2', { state: 'open' })).toHaveLength(1);
    expect(server.listPulls(owner, 'env-7', { state: 'open' })).toHaveLength(1);

    server.resetLog();
    await handler(sqsEvent(push(API, '1.2.0')));
    expect([...requestsByRepo(owner).keys()].sort()).toEqual([`${owner}/env-2`, `${owner}/env-7`]);
  });

  it('filters by topic', async () => {
    const owner = `org${++org}`;
    server.createRepo(owner, 'tagged', {
      files: { '.image-updater.yaml': policy(API) },
      settings: { topics: ['gitops'] },
    });
    server.createRepo(owner, 'untagged', { files: { '.image-updater.yaml': policy(API) } });
    const index = new MemoryImageIndex();
    const directory = new RepoDirectory({
      repos: [],
      discovery: { topic: 'gitops' },
      index,
      log: recordingLog(),
    });
    const found = await directory.discover(host('app'));
    expect(found.map((e) => e.repo).filter((r) => r.startsWith(owner))).toEqual([`${owner}/tagged`]);
  });
});

describe('GitHub events', () => {
  const context = (directory: RepoDirectory, gitHost: GitHost, index: MemoryImageIndex) => ({
    deps: {
      repos: [],
      index,
      log: recordingLog(),
      metrics: recordingMetrics(),
      host: async () => gitHost,
      apply: { backoffMs: 1 },
    },
    directory,
    memo: { checkedConfigs: new Set<string>() },
    host: gitHost,
    tagLists: new TagListCache(undefined),
  });

  it('re-indexes a repository whose config a push changed, and runs it at once', async () => {
    const { owner, repos } = organisation(3, [0]);
    const index = new MemoryImageIndex();
    const gitHost = host();
    const directory = new RepoDirectory({ repos, index, trustIndex: true, log: recordingLog() });
    for (const repo of repos) await directory.refresh(gitHost, repo);
    expect((await index.lookup([API])).map((e) => e.repo)).toEqual([`${owner}/env-0`]);

    server.commitFiles(owner, 'env-1', 'main', {
      '.image-updater.yaml': policy(API),
      'apps/deployment.yaml': deployment(API, '1.0.0'),
    });
    const outcome = await handleRepoEvent(context(directory, gitHost, index), {
      type: 'push',
      repo: `${owner}/env-1`,
      branch: 'main',
      after: 'x',
      changedPaths: ['.image-updater.yaml'],
      truncated: false,
    });
    expect(outcome.indexed).toEqual([`${owner}/env-1`]);
    expect((await index.lookup([API])).map((e) => e.repo).sort()).toEqual([
      `${owner}/env-0`,
      `${owner}/env-1`,
    ]);
    expect(outcome.runs).toHaveLength(1);
  });

  it('ignores a push that does not touch the config, at no request', async () => {
    const { owner, repos } = organisation(1, [0]);
    const index = new MemoryImageIndex();
    const gitHost = host();
    const directory = new RepoDirectory({ repos, index, trustIndex: true, log: recordingLog() });
    server.resetLog();
    const outcome = await handleRepoEvent(context(directory, gitHost, index), {
      type: 'push',
      repo: `${owner}/env-0`,
      branch: 'main',
      after: 'x',
      changedPaths: ['apps/deployment.yaml'],
      truncated: false,
    });
    expect(outcome.runs).toEqual([]);
    expect(requestsByRepo(owner).size).toBe(0);
  });

  it('forgets a removed repository only when its installation no longer lists it (a replayed or foreign event forgets nothing)', async () => {
    const { owner } = organisation(3, [0]);
    const { index, gitHost, directory } = discovering(owner);
    await directory.discover(gitHost);
    const removal = (installationId: number, installationRemoved = false) => ({
      type: 'repositories' as const,
      installationId,
      added: [],
      removed: [`${owner}/env-0`],
      installationRemoved,
    });
    await handleRepoEvent(context(directory, gitHost, index), removal(999));
    await handleRepoEvent(context(directory, gitHost, index), removal(5));
    await handleRepoEvent(context(directory, gitHost, index), removal(5, true));
    expect(await index.get(`${owner}/env-0`)).toBeDefined();

    // Now really taken off the installation: the same event forgets it.
    const all = [...Array(3).keys()].map((i) => `${owner}/env-${i}`);
    server.configureApp({
      appId: 77,
      privateKeyPem: privateKey,
      installations: [{ id: 5, repositories: all.slice(1) }],
    });
    try {
      await handleRepoEvent(context(directory, host('app'), index), removal(5));
      expect(await index.get(`${owner}/env-0`)).toBeUndefined();
      expect(await index.get(`${owner}/env-1`)).toBeDefined();
    } finally {
      server.configureApp({ appId: 77, privateKeyPem: privateKey, installationId: 5 });
    }
  });

  it('introduces a repository of an all-repositories installation by its first config push', async () => {
    const { owner } = organisation(2, [0]);
    const { index, gitHost, directory } = discovering(owner);
    await directory.discover(gitHost);
    server.createRepo(owner, 'brand-new', {
      files: { '.image-updater.yaml': policy(API), 'apps/deployment.yaml': deployment(API, '1.0.0') },
    });
    const outcome = await handleRepoEvent(context(directory, gitHost, index), {
      type: 'push',
      repo: `${owner}/brand-new`,
      branch: 'main',
      after: 'x',
      changedPaths: ['.image-updater.yaml'],
      truncated: false,
      installationId: 5,
    });
    expect(outcome.indexed).toEqual([`${owner}/brand-new`]);
    expect((await index.lookup([API])).map((e) => e.repo)).toContain(`${owner}/brand-new`);
  });
});

describe("serve's start", () => {
  it('a push while discovery is still building waits for it, so no watcher is missed', async () => {
    const { owner } = organisation(
      40,
      Array.from({ length: 40 }, (_, i) => i),
    );
    const { gitHost, directory } = discovering(owner);
    directory.startBuilding(gitHost);
    const targets = await directory.targetsFor(gitHost, [{ image: API, tag: '1.1.0' }]);
    expect(targets).toHaveLength(40);
  });

  it('a listed repository whose config path changed counts as not indexed', async () => {
    const { owner, repos } = organisation(2, [0]);
    const index = new MemoryImageIndex();
    const old = new RepoDirectory({ repos, index, trustIndex: true, log: recordingLog() });
    await old.refreshAll(host());
    const moved = repos.map((r) => ({ ...r, configPath: 'deploy/.image-updater.yaml' }));
    const directory = new RepoDirectory({ repos: moved, index, trustIndex: true, log: recordingLog() });
    const targets = await directory.targetsFor(host(), [{ image: 'ghcr.io/acme/none', tag: '1' }]);
    expect(targets.map((t) => t.repo).sort()).toEqual([`${owner}/env-0`, `${owner}/env-1`]);
  });
});
