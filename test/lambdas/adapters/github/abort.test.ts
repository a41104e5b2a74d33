import { afterEach, describe, expect, it } from 'vitest';
import { RequestError } from '@octokit/request-error';
import { workController } from '../../../../lambdas/adapters/github/abort.ts';
import { toGitHostError } from '../../../../lambdas/adapters/github/errors.ts';
import { GitHubHost } from '../../../../lambdas/adapters/github/host.ts';
import { createOctokit } from '../../../../lambdas/adapters/github/octokit.ts';
import { runRepo } from '../../../../lambdas/handlers/run-repo.ts';
import { TagListCache } from '../../../../lambdas/adapters/registry/tag-lists.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { deployment, ECR } from '../../../support/github-env.ts';
import { hangingServer, refusedUrl, type HangingServer } from '../../../support/dead-github.ts';

const API = `${ECR}/shop/api`;
const files = {
  '.image-updater.yaml': `version: 1\npolicies:\n  - {name: api, image: ${API}}\n`,
  'deploy.yaml': deployment(`${API}:1.0.0`),
};

let server: GitHubTestServer | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const close of closers.splice(0)) await close();
});

/** A GitHub that never answers, closed after the test. */
async function neverAnswering(): Promise<HangingServer> {
  const github = await hangingServer();
  closers.push(() => github.close());
  return github;
}

const fail = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

/** The request of a RequestError: what @octokit/request attaches. */
const REQUEST = { method: 'GET' as const, url: 'https://api.github.com/repos/acme/env', headers: {} };

describe('GitHub transport failures are classified from status, code and cause', () => {
  it('connection refused is GITHUB_UNREACHABLE (retryable), not a GitHub 500', async () => {
    const octokit = createOctokit({ baseUrl: await refusedUrl(), auth: 't', retries: 0 });
    const error = await fail(octokit.rest.repos.get({ owner: 'acme', repo: 'env' }));
    const mapped = toGitHostError(error, 'acme/env: get repository');
    expect(mapped).toMatchObject({ code: 'GITHUB_UNREACHABLE', retryable: true, status: undefined });
    expect(mapped.message).toMatch(/ECONNREFUSED/);
    expect(mapped.message).not.toMatch(/500|UNKNOWN/);
  });

  it('a request that gets no answer in time is GITHUB_UNREACHABLE', async () => {
    const hanging = await neverAnswering();
    const octokit = createOctokit({ baseUrl: hanging.url, auth: 't', retries: 0, requestTimeoutMs: 50 });
    const error = await fail(octokit.rest.repos.get({ owner: 'acme', repo: 'env' }));
    expect(toGitHostError(error, 'x')).toMatchObject({ code: 'GITHUB_UNREACHABLE', retryable: true });
  });

  it.each([
    [
      'a fetch error whose cause has a socket code',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }),
      'GITHUB_UNREACHABLE',
      true,
    ],
    [
      'a DNS failure',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }),
      'GITHUB_UNREACHABLE',
      true,
    ],
    [
      'undici headers timeout',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_HEADERS_TIMEOUT' } }),
      'GITHUB_UNREACHABLE',
      true,
    ],
    [
      'happy eyeballs (one error per address)',
      Object.assign(new TypeError('fetch failed'), { cause: { errors: [{ code: 'ECONNREFUSED' }] } }),
      'GITHUB_UNREACHABLE',
      true,
    ],
    [
      "Octokit's RequestError without a response",
      new RequestError('fetch failed', 500, { request: REQUEST }),
      'GITHUB_UNREACHABLE',
      true,
    ],
    [
      'an aborted fetch',
      Object.assign(new DOMException('This operation was aborted', 'AbortError'), { status: 500 }),
      'ABORTED',
      false,
    ],
    [
      'a wrapped abort',
      new RequestError('x', 500, { request: REQUEST, cause: new DOMException('x', 'AbortError') }),
      'ABORTED',
      false,
    ],
    [
      'GitHub answering 500',
      new RequestError('boom', 500, {
        request: REQUEST,
        response: { status: 500, url: REQUEST.url, headers: {}, data: { message: 'boom' } },
      }),
      'GITHUB_SERVER_ERROR',
      true,
    ],
    [
      'a status-less error that is not a fetch failure',
      new Error('GraphQL error'),
      'GITHUB_REQUEST_FAILED',
      true,
    ],
  ])('%s → %s (retryable %s)', (_what, error, code, retryable) => {
    expect(toGitHostError(error, 'acme/env: op')).toMatchObject({ code, retryable });
  });
});

describe('aborting a GitHub client gives its work up at once', () => {
  it('a request to a GitHub that never answers rejects ABORTED as soon as its signal aborts', async () => {
    const hanging = await neverAnswering();
    const host = new GitHubHost({
      auth: { kind: 'token', token: 't' },
      baseUrl: hanging.url,
      writesPerMinute: 0,
    });
    const work = new AbortController();
    const client = await host.repo({ owner: 'acme', name: 'env' }, { signal: work.signal });
    const pending = fail(client.readBlobs(['a'.repeat(40)]));
    await new Promise((r) => setTimeout(r, 50));
    work.abort();
    // The server never answers: that the request settles at all is the abort working.
    const error = await pending;
    expect(error).toMatchObject({ code: 'ABORTED', retryable: false });
    expect(hanging.requests()).toBe(1);
  });

  it('40 requests on one work signal (10 in flight, 30 queued) raise no "possible memory leak" warning', async () => {
    const hanging = await neverAnswering();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const host = new GitHubHost({
        auth: { kind: 'token', token: 't' },
        baseUrl: hanging.url,
        writesPerMinute: 0,
      });
      const work = workController();
      const client = await host.repo({ owner: 'acme', name: 'env' }, { signal: work.signal });
      const wave = Array.from({ length: 40 }, (_, i) =>
        fail(client.readBlobs([i.toString(16).padStart(40, '0')])),
      );
      while (hanging.requests() < 10) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      work.abort();
      const errors = await Promise.all(wave);
      await new Promise((r) => setImmediate(r));
      expect(errors.map((e) => (e as { code?: string }).code)).toEqual(Array(40).fill('ABORTED'));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a request failing with 502 is not retried once its signal aborted during the backoff', async () => {
    server = await createGitHubTestServer();
    server.createRepo('acme', 'gitops', { files });
    server.addFault({ match: { operationId: 'git/get-blob' }, times: Infinity, respond: { status: 502 } });
    // A backoff of 1 s before the first retry.
    const host = new GitHubHost({
      auth: { kind: 'token', token: 'test-token' },
      baseUrl: server.url,
      writesPerMinute: 0,
      retryAfterBaseMs: 1_000,
    });
    const work = new AbortController();
    const client = await host.repo({ owner: 'acme', name: 'gitops' }, { signal: work.signal });
    const pending = fail(client.readBlobs(['b'.repeat(40)]));
    for (let i = 0; i < 100 && server.requestCount() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    work.abort();
    expect(await pending).toMatchObject({ code: 'ABORTED' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(server.requestCount({ operationId: 'git/get-blob' })).toBe(1);
  });
});

describe('a failed read wave leaves nothing running (runRepo)', () => {
  it('no request reaches GitHub after runRepo returned, though siblings were being retried', async () => {
    server = await createGitHubTestServer({
      latencyMs: (request) => (request.operationId === 'pulls/list' ? 60 : 0),
    });
    server.createRepo('acme', 'gitops', { files });
    // When each request left the client (the server logs it when it gets to it, which under
    // load can be after a request sent earlier); an aborted signal sends nothing.
    const sent: number[] = [];
    const counting: typeof fetch = (input, init) => {
      if (!init?.signal?.aborted) sent.push(performance.now());
      return fetch(input, init);
    };
    const host = () =>
      new GitHubHost({
        auth: { kind: 'token', token: 'test-token' },
        baseUrl: server!.url,
        writesPerMinute: 0,
        retryAfterBaseMs: 20,
        fetch: counting,
      });
    const input = {
      repo: { repo: 'acme/gitops' },
      pushes: [{ image: API, tag: '1.1.0' }],
      reconcile: false,
      tagLists: new TagListCache(undefined),
      memo: { checkedConfigs: new Set<string>() },
      onListFailure: 'fail' as const,
    };
    // Once without faults, so the server's first-use validator compiles do not delay the log.
    expect(await runRepo({ ...input, host: host() })).toMatchObject({ ok: true });
    server.resetLog();
    // One read of the first wave is refused for good; a sibling keeps failing with 502 and the
    // retry plugin would send it three times more.
    server.addFault({
      match: { operationId: 'repos/get-content' },
      respond: { status: 403, message: 'Forbidden' },
    });
    server.addFault({ match: { operationId: 'pulls/list' }, times: Infinity, respond: { status: 502 } });
    const result = await runRepo({ ...input, host: host() });
    const returnedAt = performance.now();
    expect(result).toMatchObject({ ok: false, error: { code: 'GITHUB_FORBIDDEN' } });
    await new Promise((r) => setTimeout(r, 600));
    expect(sent.filter((at) => at > returnedAt)).toEqual([]);
    // Nothing of the failed run was still being answered either.
    expect(server.requests.filter((r) => r.endedAt > returnedAt + 100)).toEqual([]);
  });
});
