import { RequestError } from '@octokit/request-error';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubTestServer, GitHubTestServerOptions, TestOctokitInstance } from '../src/index.ts';
import { createGitHubTestServer, createTestOctokit } from '../src/index.ts';
import { validateResponse } from '../src/validation.ts';

const owner = 'acme';
const repo = 'env';
const servers: GitHubTestServer[] = [];

async function setup(
  options: GitHubTestServerOptions = {},
): Promise<{ server: GitHubTestServer; octokit: TestOctokitInstance }> {
  const server = await createGitHubTestServer(options);
  servers.push(server);
  server.createRepo(owner, repo, {
    files: {
      'apps/web/values.yaml': 'image: nginx:1.25.0\n',
      'apps/api/values.yaml': 'image: api:1.0.0\n',
      'README.md': '# env\n',
    },
  });
  return { server, octokit: createTestOctokit(server) };
}

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
    return { status: 200, message: '' };
  } catch (error) {
    if (error instanceof RequestError) return { status: error.status, message: error.message };
    throw error;
  }
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('Git Data API', () => {
  it('builds a commit from a blob and a nested tree with a deletion, and fast-forwards the branch', async () => {
    const { server, octokit } = await setup();
    const base = await octokit.rest.repos.getBranch({ owner, repo, branch: 'main' });
    const blob = await octokit.rest.git.createBlob({ owner, repo, content: 'hello\n', encoding: 'utf-8' });
    // The same id `git hash-object` gives, so shas look and behave like GitHub's.
    expect(blob.data.sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const tree = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: base.data.commit.commit.tree.sha,
      tree: [
        { path: 'apps/web/values.yaml', mode: '100644', type: 'blob', content: 'image: nginx:1.26.0\n' },
        { path: 'apps/new/deep/hello.txt', mode: '100644', type: 'blob', sha: blob.data.sha },
        { path: 'apps/api/values.yaml', mode: '100644', type: 'blob', sha: null },
      ],
    });
    const commit = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'Bump web',
      tree: tree.data.sha,
      parents: [base.data.commit.sha],
    });
    await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha: commit.data.sha });

    expect(server.branchHead(owner, repo, 'main')).toBe(commit.data.sha);
    expect(server.readFile(owner, repo, 'main', 'apps/web/values.yaml')).toBe('image: nginx:1.26.0\n');
    expect(server.readFile(owner, repo, 'main', 'apps/new/deep/hello.txt')).toBe('hello\n');
    expect(server.readFile(owner, repo, 'main', 'apps/api/values.yaml')).toBeUndefined();
    const listing = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree.data.sha, recursive: '1' });
    expect(listing.data.truncated).toBe(false);
    expect(listing.data.tree.map((entry) => entry.path)).toEqual([
      'README.md',
      'apps',
      'apps/new',
      'apps/new/deep',
      'apps/new/deep/hello.txt',
      'apps/web',
      'apps/web/values.yaml',
    ]);
    server.assertNoViolations();
  });

  it('refuses a ref update that is not a fast-forward unless forced, and a ref that already exists', async () => {
    const { server, octokit } = await setup();
    const start = server.branchHead(owner, repo, 'main') as string;
    const theirs = server.commitFiles(owner, repo, 'main', { 'other.txt': 'x\n' });
    const tree = await octokit.rest.git.createTree({
      owner,
      repo,
      tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'a\n' }],
    });
    const mine = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'mine',
      tree: tree.data.sha,
      parents: [start],
    });

    const rejected = await statusOf(
      octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha: mine.data.sha }),
    );
    expect(rejected.status).toBe(422);
    expect(rejected.message).toContain('Update is not a fast forward');
    expect(server.branchHead(owner, repo, 'main')).toBe(theirs);

    await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha: mine.data.sha, force: true });
    expect(server.branchHead(owner, repo, 'main')).toBe(mine.data.sha);

    const duplicate = await statusOf(
      octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/main', sha: start }),
    );
    expect(duplicate).toMatchObject({ status: 422 });
    expect(duplicate.message).toContain('Reference already exists');
    server.assertNoViolations();
  });

  it('lists matching refs and deletes a branch', async () => {
    const { server, octokit } = await setup();
    server.createBranch(owner, repo, 'image-updater/web');
    server.createBranch(owner, repo, 'image-updater/api');
    const refs = await octokit.rest.git.listMatchingRefs({ owner, repo, ref: 'heads/image-updater/' });
    expect(refs.data.map((ref) => ref.ref)).toEqual([
      'refs/heads/image-updater/api',
      'refs/heads/image-updater/web',
    ]);
    await octokit.rest.git.deleteRef({ owner, repo, ref: 'heads/image-updater/web' });
    expect(server.branches(owner, repo)).toEqual(['image-updater/api', 'main']);
    expect(
      (await statusOf(octokit.rest.git.deleteRef({ owner, repo, ref: 'heads/image-updater/web' }))).status,
    ).toBe(422);
    server.assertNoViolations();
  });
});

describe('Contents API', () => {
  it('answers a conditional read with 304 when nothing changed, without spending rate limit', async () => {
    const { server, octokit } = await setup();
    const first = await octokit.rest.repos.getContent({ owner, repo, path: 'apps/web/values.yaml' });
    const etag = first.headers.etag as string;
    expect(Buffer.from((first.data as { content: string }).content, 'base64').toString()).toBe(
      'image: nginx:1.25.0\n',
    );
    const used = Number(first.headers['x-ratelimit-used']);

    const again = await statusOf(
      octokit.rest.repos.getContent({
        owner,
        repo,
        path: 'apps/web/values.yaml',
        headers: { 'if-none-match': etag },
      }),
    );
    expect(again.status).toBe(304);
    expect(server.rateLimit('updater-bot').used).toBe(used);

    server.commitFiles(owner, repo, 'main', { 'apps/web/values.yaml': 'image: nginx:1.26.0\n' });
    const changed = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: 'apps/web/values.yaml',
      headers: { 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    server.assertNoViolations();
  });

  it('creates and updates a file with the sha precondition of the naive approach', async () => {
    const { server, octokit } = await setup();
    const path = 'apps/web/values.yaml';
    const current = (await octokit.rest.repos.getContent({ owner, repo, path })).data as { sha: string };
    const content = Buffer.from('image: nginx:1.26.0\n').toString('base64');

    expect(
      (
        await statusOf(
          octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: 'bump', content }),
        )
      ).status,
    ).toBe(422);
    const stale = await statusOf(
      octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path,
        message: 'bump',
        content,
        sha: 'f'.repeat(40),
      }),
    );
    expect(stale.status).toBe(409);

    const updated = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path,
      message: 'bump',
      content,
      sha: current.sha,
    });
    expect(updated.status).toBe(200);
    const created = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: 'new.txt',
      message: 'add',
      content,
    });
    expect(created.status).toBe(201);
    expect(server.readFile(owner, repo, 'main', path)).toBe('image: nginx:1.26.0\n');
    expect(server.commit(owner, repo, server.branchHead(owner, repo, 'main') as string)?.message).toBe('add');
    server.assertNoViolations();
  });
});

describe('pull requests', () => {
  async function branchWithChange(server: GitHubTestServer, branch: string, files: Record<string, string>) {
    server.createBranch(owner, repo, branch);
    return server.commitFiles(owner, repo, branch, files, { author: 'updater-bot' });
  }

  it('creates, refuses a duplicate, finds by owner:branch, updates and squash-merges a PR', async () => {
    const { server, octokit } = await setup();
    await branchWithChange(server, 'image-updater/web', { 'apps/web/values.yaml': 'image: nginx:1.26.0\n' });
    const created = await octokit.rest.pulls.create({
      owner,
      repo,
      head: 'image-updater/web',
      base: 'main',
      title: 'Update web to 1.26.0',
      body: 'table',
    });
    expect(created.data).toMatchObject({
      state: 'open',
      mergeable: true,
      mergeable_state: 'clean',
      changed_files: 1,
      commits: 1,
    });

    const duplicate = await statusOf(
      octokit.rest.pulls.create({ owner, repo, head: 'image-updater/web', base: 'main', title: 'again' }),
    );
    expect(duplicate.status).toBe(422);
    expect(duplicate.message).toContain('A pull request already exists for acme:image-updater/web.');

    await branchWithChange(server, 'other', { 'x.txt': 'x\n' });
    await octokit.rest.pulls.create({ owner, repo, head: 'other', base: 'main', title: 'Other' });
    const found = await octokit.rest.pulls.list({
      owner,
      repo,
      head: 'acme:image-updater/web',
      state: 'open',
    });
    expect(found.data.map((pull) => pull.number)).toEqual([created.data.number]);
    // As on GitHub, a head filter without the owner is ignored: every open PR comes back.
    expect((await octokit.rest.pulls.list({ owner, repo, head: 'image-updater/web' })).data).toHaveLength(2);

    await octokit.rest.pulls.update({
      owner,
      repo,
      pull_number: created.data.number,
      title: 'Update web to 1.27.0',
      body: 'new table',
    });
    await octokit.rest.issues.addLabels({
      owner,
      repo,
      issue_number: created.data.number,
      labels: ['image-updater', 'patch'],
    });
    await octokit.rest.pulls.requestReviewers({
      owner,
      repo,
      pull_number: created.data.number,
      reviewers: ['alice'],
    });
    await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: created.data.number,
      body: 'superseded 1.26.0',
    });

    const merged = await octokit.rest.pulls.merge({
      owner,
      repo,
      pull_number: created.data.number,
      merge_method: 'squash',
    });
    expect(merged.data.merged).toBe(true);
    const pull = server.getPull(owner, repo, created.data.number);
    expect(pull).toMatchObject({
      title: 'Update web to 1.27.0',
      state: 'closed',
      merged: true,
      labels: ['image-updater', 'patch'],
      requestedReviewers: ['alice'],
    });
    expect(server.listComments(owner, repo, created.data.number).map((comment) => comment.body)).toEqual([
      'superseded 1.26.0',
    ]);
    const head = server.branchHead(owner, repo, 'main') as string;
    expect(head).toBe(merged.data.sha);
    expect(server.commit(owner, repo, head)).toMatchObject({
      message: expect.stringMatching(/^Update web to 1\.27\.0 \(#1\)/),
      parents: [expect.any(String)],
    });
    expect(server.readFile(owner, repo, 'main', 'apps/web/values.yaml')).toBe('image: nginx:1.26.0\n');
    expect(
      (await octokit.rest.pulls.checkIfMerged({ owner, repo, pull_number: created.data.number })).status,
    ).toBe(204);
    server.assertNoViolations();
  });

  it('merges with a merge commit or by rebasing, and checks the head sha precondition', async () => {
    const { server, octokit } = await setup();
    const headSha = await branchWithChange(server, 'a', { 'a.txt': 'a\n' });
    await branchWithChange(server, 'b', { 'b.txt': 'b\n' });
    const a = await octokit.rest.pulls.create({ owner, repo, head: 'a', base: 'main', title: 'A' });
    const b = await octokit.rest.pulls.create({ owner, repo, head: 'b', base: 'main', title: 'B' });

    const stale = await statusOf(
      octokit.rest.pulls.merge({ owner, repo, pull_number: a.data.number, sha: 'e'.repeat(40) }),
    );
    expect(stale.status).toBe(409);
    const merge = await octokit.rest.pulls.merge({
      owner,
      repo,
      pull_number: a.data.number,
      sha: headSha,
      merge_method: 'merge',
    });
    expect(server.commit(owner, repo, merge.data.sha)?.parents).toHaveLength(2);

    const rebased = await octokit.rest.pulls.merge({
      owner,
      repo,
      pull_number: b.data.number,
      merge_method: 'rebase',
    });
    expect(server.commit(owner, repo, rebased.data.sha)).toMatchObject({
      parents: [merge.data.sha],
      author: 'updater-bot',
    });
    expect(server.listFiles(owner, repo, 'main')).toEqual(expect.arrayContaining(['a.txt', 'b.txt']));
    server.assertNoViolations();
  });

  it('reports a conflicting PR as not mergeable and refuses to merge it', async () => {
    const { server, octokit } = await setup();
    await branchWithChange(server, 'bump', { 'apps/web/values.yaml': 'image: nginx:1.26.0\n' });
    const pull = await octokit.rest.pulls.create({ owner, repo, head: 'bump', base: 'main', title: 'bump' });
    server.commitFiles(owner, repo, 'main', { 'apps/web/values.yaml': 'image: nginx:1.25.1\n' });
    const read = await octokit.rest.pulls.get({ owner, repo, pull_number: pull.data.number });
    expect(read.data).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
    expect(
      (await statusOf(octokit.rest.pulls.merge({ owner, repo, pull_number: pull.data.number }))).status,
    ).toBe(405);
    // A change elsewhere on the base does not conflict.
    server.commitFiles(owner, repo, 'main', {
      'apps/web/values.yaml': 'image: nginx:1.26.0\n',
      'unrelated.txt': 'u\n',
    });
    expect(
      (await octokit.rest.pulls.get({ owner, repo, pull_number: pull.data.number })).data.mergeable,
    ).toBe(true);
    server.assertNoViolations();
  });

  it('closes a PR whose head branch is deleted and marks merged a PR whose commits reach the base', async () => {
    const { server, octokit } = await setup();
    await branchWithChange(server, 'gone', { 'g.txt': 'g\n' });
    const landed = await branchWithChange(server, 'landed', { 'l.txt': 'l\n' });
    const gone = await octokit.rest.pulls.create({ owner, repo, head: 'gone', base: 'main', title: 'gone' });
    const pushed = await octokit.rest.pulls.create({
      owner,
      repo,
      head: 'landed',
      base: 'main',
      title: 'landed',
    });

    await octokit.rest.git.deleteRef({ owner, repo, ref: 'heads/gone' });
    expect(server.getPull(owner, repo, gone.data.number)).toMatchObject({ state: 'closed', merged: false });

    await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha: landed });
    expect(server.getPull(owner, repo, pushed.data.number)).toMatchObject({
      state: 'closed',
      merged: true,
      mergedBy: 'updater-bot',
    });
    server.assertNoViolations();
  });

  it('shows through compare that someone else pushed to the update branch', async () => {
    const { server, octokit } = await setup();
    await branchWithChange(server, 'image-updater/web', { 'apps/web/values.yaml': 'image: nginx:1.26.0\n' });
    server.commitFiles(
      owner,
      repo,
      'image-updater/web',
      { 'apps/web/extra.yaml': 'x: 1\n' },
      { author: 'alice' },
    );
    const compare = await octokit.rest.repos.compareCommitsWithBasehead({
      owner,
      repo,
      basehead: 'main...image-updater/web',
    });
    expect(compare.data).toMatchObject({ status: 'ahead', ahead_by: 2, behind_by: 0 });
    expect(compare.data.commits.map((commit) => commit.author?.login)).toEqual(['updater-bot', 'alice']);
    expect(compare.data.files?.map((file) => file.filename)).toEqual([
      'apps/web/extra.yaml',
      'apps/web/values.yaml',
    ]);
    server.assertNoViolations();
  });

  it('lists the commits of a branch that changed a path, newest first, one per page', async () => {
    const { server, octokit } = await setup();
    const first = server.commitFiles(owner, repo, 'main', {
      'apps/web/values.yaml': 'image: nginx:1.26.0\n',
    });
    server.commitFiles(owner, repo, 'main', { 'apps/api/values.yaml': 'image: api:2\n' });
    const listed = await octokit.rest.repos.listCommits({
      owner,
      repo,
      sha: 'main',
      path: 'apps/web/values.yaml',
      per_page: 1,
    });
    expect(listed.data.map((c) => c.sha)).toEqual([first]);
    expect(Date.parse(listed.data[0]!.commit.committer!.date!)).not.toBeNaN();
    expect(listed.headers.link).toContain('rel="next"');
    const none = await octokit.rest.repos.listCommits({ owner, repo, sha: 'main', path: 'no/such/file' });
    expect(none.data).toEqual([]);
    const all = await octokit.rest.repos.listCommits({ owner, repo, sha: 'main' });
    expect(all.data[1]?.sha).toBe(first);
    server.assertNoViolations();
  });

  it('seeds a PR left by an earlier run and deletes its branch on merge when the repository says so', async () => {
    const { server, octokit } = await setup();
    server.updateRepoSettings(owner, repo, { deleteBranchOnMerge: true });
    await branchWithChange(server, 'image-updater/web', { 'apps/web/values.yaml': 'image: nginx:1.26.0\n' });
    const number = server.createPull(owner, repo, {
      head: 'image-updater/web',
      title: 'Update web',
      labels: ['image-updater'],
    });
    const open = await octokit.rest.pulls.list({ owner, repo, state: 'open' });
    expect(
      open.data.map((pull) => [pull.number, pull.head.ref, pull.labels.map((label) => label.name)]),
    ).toEqual([[number, 'image-updater/web', ['image-updater']]]);
    await octokit.rest.pulls.merge({ owner, repo, pull_number: number, merge_method: 'squash' });
    expect(server.branches(owner, repo)).toEqual(['main']);
    expect(server.getPull(owner, repo, number)).toMatchObject({ state: 'closed', merged: true });
    server.assertNoViolations();
  });

  it('answers mergeable: null for the configured number of reads after a change, as GitHub computes it lazily', async () => {
    const { server, octokit } = await setup({ mergeabilityUnknownReads: 1 });
    await branchWithChange(server, 'x', { 'x.txt': 'x\n' });
    const pull = await octokit.rest.pulls.create({ owner, repo, head: 'x', base: 'main', title: 'x' });
    const first = await octokit.rest.pulls.get({ owner, repo, pull_number: pull.data.number });
    const second = await octokit.rest.pulls.get({ owner, repo, pull_number: pull.data.number });
    expect([first.data.mergeable, second.data.mergeable]).toEqual([null, true]);
    server.assertNoViolations();
  });
});

describe('issues', () => {
  it('creates labelled issues, filters them by label and creator, and paginates with Link headers', async () => {
    const { server, octokit } = await setup();
    await octokit.rest.issues.create({
      owner,
      repo,
      title: 'Dependency dashboard',
      body: 'b',
      labels: ['image-updater'],
    });
    for (let index = 0; index < 34; index += 1)
      server.createIssue(owner, repo, { title: `noise ${index}`, author: 'alice' });
    const dashboards = await octokit.rest.issues.listForRepo({
      owner,
      repo,
      labels: 'image-updater',
      creator: 'updater-bot',
    });
    expect(dashboards.data.map((issue) => issue.title)).toEqual(['Dependency dashboard']);
    expect(
      (await octokit.rest.issues.listLabelsForRepo({ owner, repo })).data.map((label) => label.name),
    ).toEqual(['image-updater']);

    const firstPage = await octokit.rest.issues.listForRepo({ owner, repo, per_page: 30 });
    expect(firstPage.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, per_page: 30 });
    expect(all).toHaveLength(35);

    await octokit.rest.issues.update({ owner, repo, issue_number: 1, body: 'updated', state: 'closed' });
    expect(server.listIssues(owner, repo, { label: 'image-updater' })).toEqual([
      expect.objectContaining({ number: 1, body: 'updated', state: 'closed', author: 'updater-bot' }),
    ]);
    server.assertNoViolations();
  });
});

describe('releases', () => {
  it('answers a published release by its tag, and 404 for a draft or an unknown tag', async () => {
    const { server, octokit } = await setup();
    server.createRepo(owner, 'api', {});
    server.createRelease(owner, 'api', { tag: 'v1.5.0', body: '## Changes\n- faster' });
    server.createRelease(owner, 'api', { tag: 'v1.6.0', draft: true });
    const { data } = await octokit.rest.repos.getReleaseByTag({ owner, repo: 'api', tag: 'v1.5.0' });
    expect(data).toMatchObject({ tag_name: 'v1.5.0', body: '## Changes\n- faster', draft: false });
    expect(data.html_url).toMatch(/\/acme\/api\/releases\/tag\/v1\.5\.0$/);
    for (const tag of ['v1.6.0', 'v9.9.9'])
      expect((await statusOf(octokit.rest.repos.getReleaseByTag({ owner, repo: 'api', tag }))).status).toBe(
        404,
      );
    server.assertNoViolations();
  });
});

describe('OpenAPI validation', () => {
  it('records a request missing a required body field as a violation and answers 422', async () => {
    const { server, octokit } = await setup();
    const head = server.branchHead(owner, repo, 'main') as string;
    const result = await statusOf(
      octokit.request('POST /repos/{owner}/{repo}/git/refs', { owner, repo, sha: head } as never),
    );
    expect(result.status).toBe(422);
    expect(server.violations).toEqual([
      expect.objectContaining({
        kind: 'request',
        operationId: 'git/create-ref',
        messages: ["body must have required property 'ref'"],
      }),
    ]);
    expect(() => server.assertNoViolations()).toThrow(/git\/create-ref.*required property 'ref'/);
  });

  it.each([
    ['an undeclared query parameter', 'GET /repos/{owner}/{repo}/pulls', { stat: 'open' }, 'request'],
    ['a value outside an enum', 'GET /repos/{owner}/{repo}/pulls', { state: 'merged' }, 'request'],
    [
      'a misspelt body property',
      'PUT /repos/{owner}/{repo}/pulls/1/merge',
      { mergeMethod: 'squash' },
      'request',
    ],
    ['a path GitHub does not have', 'GET /repos/{owner}/{repo}/no-such-thing', {}, 'unknown-operation'],
    ['an operation the emulator does not serve', 'GET /repos/{owner}/{repo}/releases', {}, 'not-emulated'],
  ])('records %s', async (_name, route, parameters, kind) => {
    const { server, octokit } = await setup();
    const result = await statusOf(octokit.request(route, { owner, repo, ...parameters } as never));
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(server.violations.map((violation) => violation.kind)).toEqual([kind]);
  });

  it('finds an off-spec response body (an emulator bug) against the declared schema', async () => {
    const { server, octokit } = await setup();
    await octokit.rest.repos.get({ owner, repo });
    const operation = server.api.byId.get('git/get-ref');
    expect(operation).toBeDefined();
    const verdict = validateResponse(server.api, operation!, 200, {
      ref: 'refs/heads/main',
      url: 'not a uri',
      object: {},
    });
    expect(verdict.errors).toEqual(
      expect.arrayContaining([expect.stringContaining("must have required property 'node_id'")]),
    );
    expect(
      validateResponse(
        server.api,
        operation!,
        200,
        (await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' })).data,
      ).errors,
    ).toEqual([]);
  });

  it('loads the description once per process', async () => {
    const { server } = await setup();
    const second = await createGitHubTestServer();
    servers.push(second);
    expect(second.api).not.toBe(undefined);
    expect(second.openapiLoad.source).toBe('memory');
    expect(['cache', 'description', 'memory']).toContain(server.openapiLoad.source);
  });
});
