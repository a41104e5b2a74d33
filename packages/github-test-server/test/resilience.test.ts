import { generateKeyPairSync } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { RequestError } from '@octokit/request-error';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubTestServer, GitHubTestServerOptions, TestOctokitInstance } from '../src/index.ts';
import {
  countRoundTrips,
  createGitHubTestServer,
  createManualClock,
  createTestOctokit,
} from '../src/index.ts';

const owner = 'acme';
const repo = 'env';
const servers: GitHubTestServer[] = [];

async function setup(
  options: GitHubTestServerOptions = {},
): Promise<{ server: GitHubTestServer; octokit: TestOctokitInstance }> {
  const server = await createGitHubTestServer(options);
  servers.push(server);
  server.createRepo(owner, repo, { files: { 'apps/web/values.yaml': 'image: nginx:1.25.0\n' } });
  return { server, octokit: createTestOctokit(server) };
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof RequestError) return error.status;
    throw error;
  }
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('authentication', () => {
  it('answers 401 without a token or with an unknown one', async () => {
    const { server } = await setup();
    const anonymous = await fetch(`${server.url}/repos/${owner}/${repo}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-github-request-id')).toBeTruthy();
    const wrong = await fetch(`${server.url}/repos/${owner}/${repo}`, {
      headers: { authorization: 'token nope' },
    });
    expect(((await wrong.json()) as { message: string }).message).toBe('Bad credentials');
    const bearer = await fetch(`${server.url}/repos/${owner}/${repo}`, {
      headers: { authorization: 'Bearer test-token' },
    });
    expect(bearer.status).toBe(200);
  });

  it('exchanges a GitHub App JWT for an installation token through @octokit/auth-app', async () => {
    const clock = createManualClock();
    const { server } = await setup({ clock });
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    server.configureApp({
      appId: 42,
      slug: 'image-updater',
      privateKeyPem: privateKey,
      installations: [{ id: 7, account: owner }],
    });

    const app = createTestOctokit(server, { authStrategy: createAppAuth, auth: { appId: 42, privateKey } });
    const installation = await app.rest.apps.getRepoInstallation({ owner, repo });
    expect(installation.data.id).toBe(7);

    const octokit = createTestOctokit(server, {
      authStrategy: createAppAuth,
      auth: { appId: 42, privateKey, installationId: installation.data.id },
    });
    const pulls = await octokit.rest.pulls.list({ owner, repo });
    expect(pulls.status).toBe(200);
    expect(server.requests.map((request) => [request.operationId, request.actor])).toEqual([
      ['apps/get-repo-installation', 'image-updater[bot]'],
      ['apps/create-installation-access-token', 'image-updater[bot]'],
      ['pulls/list', 'image-updater[bot]'],
    ]);

    // Installation tokens expire after an hour.
    const token = ((await octokit.auth({ type: 'installation' })) as { token: string }).token;
    clock.advance(61 * 60_000);
    expect(
      (await fetch(`${server.url}/repos/${owner}/${repo}`, { headers: { authorization: `token ${token}` } }))
        .status,
    ).toBe(401);

    const { privateKey: otherKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const impostor = createTestOctokit(server, {
      authStrategy: createAppAuth,
      auth: { appId: 42, privateKey: otherKey },
    });
    expect(await statusOf(impostor.rest.apps.getRepoInstallation({ owner, repo }))).toBe(401);
    server.assertNoViolations();
  });
});

describe('rate limits', () => {
  it('sends x-ratelimit-* headers that count down per identity', async () => {
    const { octokit } = await setup({ rateLimit: { limit: 100 } });
    const first = await octokit.rest.repos.get({ owner, repo });
    const second = await octokit.rest.repos.get({ owner, repo });
    expect(first.headers['x-ratelimit-limit']).toBe('100');
    expect(
      Number(first.headers['x-ratelimit-remaining']) - Number(second.headers['x-ratelimit-remaining']),
    ).toBe(1);
    expect(second.headers['x-ratelimit-resource']).toBe('core');
    expect(Number(second.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
  });

  it('refuses requests once the primary budget is spent, with x-ratelimit-remaining 0', async () => {
    const { server } = await setup({ rateLimit: { limit: 2 } });
    const waits: number[] = [];
    const octokit = createTestOctokit(server, {
      rateLimitRetries: 0,
      onRateLimit: (seconds) => void waits.push(seconds),
    });
    await octokit.rest.repos.get({ owner, repo });
    await octokit.rest.repos.get({ owner, repo });
    expect(await statusOf(octokit.rest.repos.get({ owner, repo }))).toBe(403);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(3500);
    expect(server.rateLimit('updater-bot')).toMatchObject({ limit: 2, remaining: 0 });
  });

  it('answers writes beyond the secondary limit with 403 and retry-after, which the throttling plugin honours', async () => {
    const clock = createManualClock();
    const { server } = await setup({ clock, rateLimit: { secondary: { perMinute: 3 } } });
    const waits: number[] = [];
    // Time passes while the client waits: advance the server's clock by what it asked for.
    const octokit = createTestOctokit(server, {
      onSecondaryRateLimit: (seconds) => {
        waits.push(seconds);
        clock.advance(seconds * 1000);
      },
    });
    for (let index = 0; index < 5; index += 1) {
      await octokit.rest.issues.create({ owner, repo, title: `issue ${index}` });
      clock.advance(1000);
    }
    expect(server.listIssues(owner, repo)).toHaveLength(5);
    const refused = server.requests.filter((request) => request.status === 403);
    expect(refused).toHaveLength(1);
    expect(waits).toEqual([57]);
    server.assertNoViolations();
  });

  it('retries an injected secondary-rate-limit response after its retry-after', async () => {
    const { server, octokit } = await setup();
    const fault = server.addFault({
      match: { operationId: 'pulls/create' },
      respond: { status: 403, secondaryRateLimit: true, retryAfter: 2 },
    });
    server.commitFiles(owner, repo, 'feature', { 'f.txt': 'f\n' });
    const pull = await octokit.rest.pulls.create({ owner, repo, head: 'feature', base: 'main', title: 'f' });
    expect(pull.status).toBe(201);
    expect(fault.fired).toBe(1);
    expect(server.requests.map((request) => request.status)).toEqual([403, 201]);
    expect(server.listPulls(owner, repo)).toHaveLength(1);
  });
});

describe('faults', () => {
  it('lets the retry plugin recover from 5xx answers and dropped connections', async () => {
    const { server, octokit } = await setup();
    server.addFault({ match: { operationId: 'repos/get' }, times: 2, respond: { status: 502 } });
    server.addFault({ match: { operationId: 'git/get-ref' }, respond: { networkError: true } });
    expect((await octokit.rest.repos.get({ owner, repo })).status).toBe(200);
    expect((await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' })).status).toBe(200);
    expect(server.requests.map((request) => request.status)).toEqual([502, 502, 200, -1, 200]);
  });

  it('can fail a write after applying it, as a gateway timeout would', async () => {
    const { server, octokit } = await setup();
    server.addFault({ match: { operationId: 'issues/create' }, afterApply: true, respond: { status: 504 } });
    const created = await octokit.rest.issues.create({ owner, repo, title: 'once' });
    expect(created.status).toBe(201);
    // The retry created a second issue: the first attempt was applied though it answered 504.
    expect(server.listIssues(owner, repo).map((issue) => issue.title)).toEqual(['once', 'once']);
  });

  it('draws probabilistic faults from a seeded PRNG, so a seed replays the same failures', async () => {
    const pattern = async (seed: number) => {
      const { server, octokit } = await setup({ seed });
      server.addFault({
        match: { operationId: 'repos/get' },
        probability: 0.5,
        times: Infinity,
        respond: { status: 500 },
      });
      const statuses: number[] = [];
      for (let index = 0; index < 8; index += 1)
        statuses.push(
          await statusOf(createTestOctokit(server, { retries: 0 }).rest.repos.get({ owner, repo })),
        );
      void octokit;
      return statuses;
    };
    const first = await pattern(7);
    expect(await pattern(7)).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
  });

  it('moves the base branch right before the next ref update, so the updater must rebuild and retry', async () => {
    const { server, octokit } = await setup();
    const writer = server.simulateConcurrentWriter(owner, repo, 'main', {
      files: { 'apps/other.yaml': 'x: 1\n' },
    });

    // Commit straight to main with fast-forward-only updates, rebuilding on the new head when refused.
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const branch = await octokit.rest.repos.getBranch({ owner, repo, branch: 'main' });
      const tree = await octokit.rest.git.createTree({
        owner,
        repo,
        base_tree: branch.data.commit.commit.tree.sha,
        tree: [
          { path: 'apps/web/values.yaml', mode: '100644', type: 'blob', content: 'image: nginx:1.26.0\n' },
        ],
      });
      const commit = await octokit.rest.git.createCommit({
        owner,
        repo,
        message: 'bump',
        tree: tree.data.sha,
        parents: [branch.data.commit.sha],
      });
      if (
        (await statusOf(
          octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha: commit.data.sha }),
        )) === 200
      )
        break;
    }
    expect(attempts).toBe(2);
    expect(writer.commits).toHaveLength(1);
    expect(server.readFile(owner, repo, 'main', 'apps/other.yaml')).toBe('x: 1\n');
    expect(server.readFile(owner, repo, 'main', 'apps/web/values.yaml')).toBe('image: nginx:1.26.0\n');
  });
});

describe('GraphQL', () => {
  const query = `query($owner: String!, $name: String!, $number: Int!) {
    repository(owner: $owner, name: $name) { pullRequest(number: $number) { id mergeStateStatus autoMergeRequest { mergeMethod } } }
  }`;
  const enable = `mutation($id: ID!) {
    enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { pullRequest { state autoMergeRequest { mergeMethod enabledBy { login } } } }
  }`;

  it('arms auto-merge on a PR waiting for checks and merges it when they pass', async () => {
    const { server, octokit } = await setup();
    server.setRequiredChecks(owner, repo, 'main', ['ci']);
    server.commitFiles(owner, repo, 'image-updater/web', { 'apps/web/values.yaml': 'image: nginx:1.26.0\n' });
    const pull = await octokit.rest.pulls.create({
      owner,
      repo,
      head: 'image-updater/web',
      base: 'main',
      title: 'bump',
    });
    const read = await octokit.graphql<{
      repository: { pullRequest: { id: string; mergeStateStatus: string } };
    }>(query, { owner, name: repo, number: pull.data.number });
    expect(read.repository.pullRequest).toMatchObject({ id: pull.data.node_id, mergeStateStatus: 'BLOCKED' });

    const armed = await octokit.graphql<{ enablePullRequestAutoMerge: { pullRequest: unknown } }>(enable, {
      id: pull.data.node_id,
    });
    expect(armed.enablePullRequestAutoMerge.pullRequest).toEqual({
      state: 'OPEN',
      autoMergeRequest: { mergeMethod: 'SQUASH', enabledBy: { login: 'updater-bot' } },
    });
    expect(server.getPull(owner, repo, pull.data.number)?.merged).toBe(false);

    server.setCommitStatus(owner, repo, 'image-updater/web', 'ci', 'success');
    expect(server.getPull(owner, repo, pull.data.number)).toMatchObject({
      merged: true,
      mergedBy: 'updater-bot',
    });
    expect(server.readFile(owner, repo, 'main', 'apps/web/values.yaml')).toBe('image: nginx:1.26.0\n');
    server.assertNoViolations();
  });

  it('refuses auto-merge on a PR that is already clean, as GitHub does', async () => {
    const { server, octokit } = await setup();
    server.commitFiles(owner, repo, 'x', { 'x.txt': 'x\n' });
    const pull = await octokit.rest.pulls.create({ owner, repo, head: 'x', base: 'main', title: 'x' });
    await expect(octokit.graphql(enable, { id: pull.data.node_id })).rejects.toThrow(
      'Pull request Pull request is in clean status',
    );
    expect(server.violations).toEqual([]);
  });

  it('merges a clean PR at once when configured to', async () => {
    const { server, octokit } = await setup({ autoMergeWhenClean: 'merge' });
    server.commitFiles(owner, repo, 'x', { 'x.txt': 'x\n' });
    const pull = await octokit.rest.pulls.create({ owner, repo, head: 'x', base: 'main', title: 'x' });
    const armed = await octokit.graphql<{ enablePullRequestAutoMerge: { pullRequest: { state: string } } }>(
      enable,
      { id: pull.data.node_id },
    );
    expect(armed.enablePullRequestAutoMerge.pullRequest.state).toBe('MERGED');
  });

  it.each([
    [
      'an unknown field',
      '{ repository(owner: "acme", name: "env") { stars } }',
      "Field 'stars' doesn't exist on type 'Repository'",
    ],
    [
      'a missing argument',
      '{ repository(owner: "acme") { id } }',
      "Field 'repository' is missing required arguments: name",
    ],
    [
      'a bad enum',
      'mutation { enablePullRequestAutoMerge(input: { pullRequestId: "x", mergeMethod: FAST }) { clientMutationId } }',
      'to be one of: MERGE, SQUASH, REBASE',
    ],
    ['a syntax error', '{ repository(owner: "acme", name: "env") { id }', 'Unexpected end of document'],
  ])('answers %s with a GraphQL error and records a violation', async (_name, document, message) => {
    const { server, octokit } = await setup();
    await expect(octokit.graphql(document)).rejects.toThrow(message);
    expect(server.violations.map((violation) => violation.kind)).toEqual(['graphql']);
  });
});

describe('request log', () => {
  it('counts 3 sequential requests as 3 round trips and 3 concurrent ones as 1', async () => {
    const { server, octokit } = await setup({ latencyMs: 200 });
    for (let index = 0; index < 3; index += 1) await octokit.rest.repos.get({ owner, repo });
    expect(server.roundTrips()).toBe(3);
    server.resetLog();
    await Promise.all([0, 1, 2].map(() => octokit.rest.repos.get({ owner, repo })));
    expect(server.roundTrips()).toBe(1);
    server.resetLog();
    await Promise.all([octokit.rest.repos.get({ owner, repo }), octokit.rest.pulls.list({ owner, repo })]);
    await octokit.rest.issues.create({ owner, repo, title: 'x' });
    expect([server.requestCount(), server.writeCount(), server.roundTrips()]).toEqual([3, 1, 2]);
    expect(server.requestCount({ operationId: /^repos\// })).toBe(1);
  });

  it('never counts more round trips than requests, and counts a chain of disjoint requests fully', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(1000), fc.integer({ min: 1, max: 100 })), { maxLength: 30 }),
        (spans) => {
          const requests = spans.map(([start, length]) => ({ startedAt: start, endedAt: start + length }));
          const trips = countRoundTrips(requests);
          expect(trips).toBeLessThanOrEqual(requests.length);
          expect(trips > 0).toBe(requests.length > 0);
          const chain = spans.map((_, index) => ({ startedAt: index * 10, endedAt: index * 10 + 5 }));
          expect(countRoundTrips(chain)).toBe(chain.length);
        },
      ),
    );
  });
});

describe('GitHub Enterprise Server', () => {
  it('serves REST under /api/v3 and GraphQL at /api/graphql, validated against the GHES description', async () => {
    const { server, octokit } = await setup({ flavor: 'ghes-3.19' });
    expect(server.url).toMatch(/\/api\/v3$/);
    expect((await octokit.rest.repos.get({ owner, repo })).data.default_branch).toBe('main');
    const viewer = await octokit.graphql<{ viewer: { login: string } }>('{ viewer { login } }');
    expect(viewer.viewer.login).toBe('updater-bot');
    expect(server.requests.map((request) => request.url)).toEqual(['/repos/acme/env', '/api/graphql']);
    server.assertNoViolations();
  });
});
