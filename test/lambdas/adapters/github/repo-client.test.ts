/**
 * What a warm function instance saves GitHub, and the cold start's first round trip: measured
 * on the GitHub test server through the production Octokit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../../../lambdas/adapters/github/host.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';

let server: GitHubTestServer | undefined;
afterEach(async () => {
  server?.assertNoViolations();
  await server?.close();
  server = undefined;
});

async function repo(defaultBranch = 'main', guess?: string) {
  // Enough latency that a busy machine's scheduling jitter cannot split a wave in two.
  server = await createGitHubTestServer({ latencyMs: 200 });
  for (const name of ['warm-up', 'env'])
    server.createRepo('acme', name, {
      defaultBranch,
      files: { '.image-updater.yaml': 'version: 1\npolicies: []\n', 'apps/a.yaml': 'a: 1\n' },
    });
  // The server compiles its response validators on first use: not what is measured here.
  await new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    writesPerMinute: 0,
  })
    .repo({ owner: 'acme', name: 'warm-up' })
    .then((c) =>
      c.readState({
        configPath: '.image-updater.yaml',
        branchPrefix: 'image-updater/',
        issueLabel: 'image-updater',
      }),
    );
  server.resetLog();
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    writesPerMinute: 0,
    ...(guess ? { defaultBranchGuess: guess } : {}),
  });
  const read = async () =>
    (await host.repo({ owner: 'acme', name: 'env' })).readState({
      configPath: '.image-updater.yaml',
      branchPrefix: 'image-updater/',
      issueLabel: 'image-updater',
    });
  return { server, host, read };
}

describe('GitHubRepoClient.readState', () => {
  it('reads everything in one round trip on a cold start when the default branch is main', async () => {
    const { server, read } = await repo('main');
    const state = await read();
    expect(state.defaultBranch).toBe('main');
    expect(state.head.tree.map((e) => e.path)).toContain('apps/a.yaml');
    expect(server.roundTrips()).toBe(1);
  });

  it('finds another default branch with one more round trip, once', async () => {
    const { server, read } = await repo('trunk');
    const state = await read();
    expect(state.defaultBranch).toBe('trunk');
    expect(state.head.tree.map((e) => e.path)).toContain('apps/a.yaml');
    expect(server.roundTrips()).toBe(2);
    server.resetLog();
    await read();
    expect(server.roundTrips()).toBe(1);
    expect(server.requestCount({ operationId: 'repos/get' })).toBe(0);
  });

  it('takes the guess from the host options', async () => {
    const { server, read } = await repo('trunk', 'trunk');
    expect((await read()).defaultBranch).toBe('trunk');
    expect(server.roundTrips()).toBe(1);
  });

  it('revalidates an unchanged repository with conditional requests only (304, no rate limit)', async () => {
    const { server, read } = await repo();
    await read();
    server.resetLog();
    await read();
    // Config, pull requests (open and closed), branch, tree, the updater's issues.
    expect(server.requests.map((r) => r.status)).toEqual([304, 304, 304, 304, 304]);
    expect(server.roundTrips()).toBe(1);
  });

  it('sees a new commit at once: a moved branch answers 200', async () => {
    const { server, read } = await repo();
    await read();
    server.commitFiles('acme', 'env', 'main', { 'apps/b.yaml': 'b: 1\n' }, 'add b');
    const state = await read();
    expect(state.head.commitSha).toBe(server.branchHead('acme', 'env', 'main'));
    expect(state.head.tree.map((e) => e.path)).toContain('apps/b.yaml');
  });
});

describe('GitHubRepoClient.readBlobs', () => {
  it('reads a blob once per instance: blobs never change', async () => {
    const { server, host, read } = await repo();
    const state = await read();
    const sha = state.head.tree.find((e) => e.path === 'apps/a.yaml')!.sha;
    const client = await host.repo({ owner: 'acme', name: 'env' });
    server.resetLog();
    expect((await client.readBlobs([sha, sha])).get(sha)).toBe('a: 1\n');
    expect((await (await host.repo({ owner: 'acme', name: 'env' })).readBlobs([sha])).get(sha)).toBe(
      'a: 1\n',
    );
    expect(server.requestCount({ operationId: 'git/get-blob' })).toBe(1);
  });
});

describe('GitHubRepoClient.readState closed pull requests', () => {
  const pull = (headRepo: string | null) => ({
    number: 9,
    node_id: 'PR_9',
    state: 'closed',
    merged_at: null,
    title: 'chore(images): update api to 99.0.0',
    body: '<!-- image-updater-state: {"v":1,"key":"api","base":"b","commit":"c","policies":{"api":{"tag":"99.0.0","updateType":"major"}}} -->',
    labels: [],
    head: { ref: 'image-updater/api', sha: 'c', repo: headRepo === null ? null : { full_name: headRepo } },
    base: { ref: 'main' },
  });

  it.each([
    ['a fork', 'mallory/env', 0],
    ['a deleted fork', null, 0],
    ['this repository', 'ACME/env', 1],
  ])('counts only branches of this repository (%s)', async (_, headRepo, count) => {
    const { server, read } = await repo();
    // Both PR lists of the first wave answer the same page.
    server.addFault({
      match: { operationId: 'pulls/list' },
      times: 2,
      respond: { status: 200, body: [pull(headRepo)] },
    });
    const state = await read();
    expect(state.closedPulls).toHaveLength(count);
  });
});
