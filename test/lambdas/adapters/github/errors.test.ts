/**
 * How GitHub's answers become `GitHostError` codes: tables over real Octokit errors (status,
 * the texts GitHub sends), then the refusals a `RepoClient` turns into results, over HTTP
 * against the GitHub test server, which sends the same texts.
 */
import { GraphqlResponseError } from '@octokit/graphql';
import { RequestError } from '@octokit/request-error';
import { afterEach, describe, expect, it } from 'vitest';
import { toGitHostError } from '../../../../lambdas/adapters/github/errors.ts';
import { GitHubHost } from '../../../../lambdas/adapters/github/host.ts';
import { WriteBudgetExhaustedError } from '../../../../lambdas/adapters/github/write-budget.ts';
import type { RepoClient } from '../../../../lambdas/ports/git-host.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';

/** What @octokit/request throws for a non-2xx answer. */
function answered(
  status: number,
  data: { message?: string; errors?: readonly Record<string, unknown>[] },
  headers: Record<string, string> = {},
): RequestError {
  const url = 'https://api.github.com/repos/acme/env/git/refs';
  return new RequestError(`${data.message ?? ''} - https://docs.github.com/rest`, status, {
    request: { method: 'POST', url, headers: {} },
    response: { status, url, headers, data: { ...data, documentation_url: 'https://docs.github.com/rest' } },
  });
}

describe('toGitHostError: a REST answer by status and the texts GitHub sends', () => {
  it.each([
    [500, { message: 'Server Error' }, {}, 'GITHUB_SERVER_ERROR', true],
    [502, { message: 'Bad Gateway' }, {}, 'GITHUB_SERVER_ERROR', true],
    [401, { message: 'Bad credentials' }, {}, 'GITHUB_UNAUTHORIZED', true],
    [403, { message: 'Resource not accessible by integration' }, {}, 'GITHUB_FORBIDDEN', false],
    [
      403,
      {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      },
      {},
      'GITHUB_RATE_LIMITED',
      true,
    ],
    [
      403,
      { message: 'API rate limit exceeded for installation ID 7.' },
      { 'x-ratelimit-remaining': '0' },
      'GITHUB_RATE_LIMITED',
      true,
    ],
    [403, { message: 'Forbidden' }, { 'retry-after': '30' }, 'GITHUB_RATE_LIMITED', true],
    [429, { message: 'Too Many Requests' }, {}, 'GITHUB_RATE_LIMITED', true],
    [404, { message: 'Not Found' }, {}, 'GITHUB_NOT_FOUND', false],
    [
      409,
      { message: 'Head branch was modified. Review and try the merge again.' },
      {},
      'GITHUB_CONFLICT',
      true,
    ],
    [405, { message: 'Pull Request is not mergeable' }, {}, 'GITHUB_UNPROCESSABLE', false],
    [
      422,
      { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] },
      {},
      'GITHUB_UNPROCESSABLE',
      false,
    ],
    [422, { message: 'Reference does not exist' }, {}, 'GITHUB_NOT_FOUND', false],
    [422, { message: 'Reference already exists' }, {}, 'ALREADY_EXISTS', false],
    [
      422,
      {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: 'A pull request already exists for acme:image-updater/api.',
          },
        ],
      },
      {},
      'ALREADY_EXISTS',
      false,
    ],
    [422, { message: 'Update is not a fast forward' }, {}, 'NOT_FAST_FORWARD', false],
    // A text that only looks alike is not one of GitHub's.
    [
      422,
      { message: 'Validation Failed: name already exists on this account' },
      {},
      'GITHUB_UNPROCESSABLE',
      false,
    ],
  ])('%i %j %j → %s (retryable %s)', (status, data, headers, code, retryable) => {
    const error = answered(status, data, headers);
    const mapped = toGitHostError(error, 'acme/env: op');
    expect(mapped).toMatchObject({ code, retryable, status });
    expect(mapped.message.startsWith('acme/env: op: ')).toBe(true);
    expect(mapped.cause).toBe(error);
  });
});

describe('toGitHostError: a GraphQL answer (HTTP 200 with errors) by type and text', () => {
  it.each([
    ['UNPROCESSABLE', 'Pull request Pull request is in clean status', 'ALREADY_MERGEABLE', false],
    ['UNPROCESSABLE', 'Pull request Pull request is in unstable status', 'ALREADY_MERGEABLE', false],
    [
      'UNPROCESSABLE',
      'Pull request Auto merge is not allowed for this repository',
      'GITHUB_REQUEST_FAILED',
      true,
    ],
    ['RATE_LIMITED', 'API rate limit exceeded for installation ID 7.', 'GITHUB_RATE_LIMITED', true],
  ])('%s %j → %s (retryable %s)', (type, message, code, retryable) => {
    const error = new GraphqlResponseError(
      { method: 'POST', url: '/graphql', query: 'mutation { x }' },
      {},
      {
        data: { enablePullRequestAutoMerge: null },
        errors: [
          {
            type,
            message,
            path: ['enablePullRequestAutoMerge'],
            locations: [{ line: 2, column: 11 }],
            extensions: {},
          },
        ],
      },
    );
    expect(toGitHostError(error, 'op')).toMatchObject({ code, retryable, message: `op: ${message}` });
  });

  it("maps this instance's own write budget refusal to a retryable rate limit, nothing having been sent", () => {
    expect(toGitHostError(new WriteBudgetExhaustedError(30_000), 'op')).toMatchObject({
      code: 'GITHUB_RATE_LIMITED',
      retryable: true,
      status: undefined,
    });
  });
});

describe('GitHubRepoClient: GitHub refusals that are results, over HTTP', () => {
  let server: GitHubTestServer | undefined;
  afterEach(async () => {
    server?.assertNoViolations();
    await server?.close();
    server = undefined;
  });

  /** A repository, a branch with one commit on top of main, and its PR. */
  async function withPull(settings: { allowAutoMerge: boolean }) {
    server = await createGitHubTestServer();
    server.createRepo('acme', 'env', { files: { 'a.yaml': 'a: 1\n' }, settings });
    const host = new GitHubHost({
      auth: { kind: 'token', token: 'test-token' },
      baseUrl: server.url,
      writesPerMinute: 0,
    });
    const client: RepoClient = await host.repo({ owner: 'acme', name: 'env' });
    const main = (await client.readBranch('main'))!;
    const sha = await client.createCommit({
      parents: [main.commitSha],
      baseTreeSha: main.treeSha,
      files: [{ path: 'a.yaml', content: 'a: 2\n' }],
      message: 'a: 2',
    });
    expect(await client.createBranch('image-updater/a', sha)).toBe(true);
    const pull = await client.createPull({ head: 'image-updater/a', base: 'main', title: 'a: 2', body: '' });
    return { client, main, sha, pull };
  }

  it('a branch that exists already: createBranch says false', async () => {
    const { client, sha } = await withPull({ allowAutoMerge: true });
    expect(await client.createBranch('image-updater/a', sha)).toBe(false);
  });

  it('an update that is not a fast-forward: moveBranch says so, and force moves it', async () => {
    const { client, main } = await withPull({ allowAutoMerge: true });
    expect(await client.moveBranch('image-updater/a', main.commitSha)).toBe('not-fast-forward');
    expect(await client.moveBranch('image-updater/a', main.commitSha, { force: true })).toBe('moved');
  });

  it('a second PR for the same branch: ALREADY_EXISTS, for the core to see another writer was first', async () => {
    const { client } = await withPull({ allowAutoMerge: true });
    await expect(
      client.createPull({ head: 'image-updater/a', base: 'main', title: 'again', body: '' }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS', retryable: false, status: 422 });
  });

  it('auto-merge on a PR in clean status: already mergeable', async () => {
    const { client, pull } = await withPull({ allowAutoMerge: true });
    expect(await client.enableAutoMerge(pull, 'squash')).toBe('already-mergeable');
  });

  it('auto-merge on a PR in unstable status (checks that are not required failing): already mergeable', async () => {
    const { client, pull } = await withPull({ allowAutoMerge: true });
    server!.addFault({
      match: { operationId: 'graphql/enablePullRequestAutoMerge' },
      respond: {
        status: 200,
        body: {
          data: { enablePullRequestAutoMerge: null },
          errors: [
            {
              type: 'UNPROCESSABLE',
              path: ['enablePullRequestAutoMerge'],
              locations: [{ line: 2, column: 11 }],
              message: 'Pull request Pull request is in unstable status',
            },
          ],
        },
      },
    });
    expect(await client.enableAutoMerge(pull, 'squash')).toBe('already-mergeable');
  });

  it('auto-merge refused for another reason: the result names it', async () => {
    const { client, pull } = await withPull({ allowAutoMerge: false });
    expect(await client.enableAutoMerge(pull, 'squash')).toEqual({
      failed: 'Pull request Auto merge is not allowed for this repository',
    });
  });
});
