import { afterEach, describe, expect, it } from 'vitest';
import { ImageAllowList } from '../../../lambdas/adapters/webhooks/allow-list.ts';
import { startServe, type ServeConfig } from '../../../lambdas/handlers/serve-app.ts';
import { ServeStartError } from '../../../lambdas/handlers/serve-preflight.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog } from '../../support/handlers.ts';
import { hangingServer, refusedUrl, type HangingServer } from '../../support/dead-github.ts';

const SECRET = 'serve-app-test-secret-0123456789';
const DIGEST = `sha256:${'d'.repeat(64)}`;
const config = (image: string) =>
  `version: 1\npolicies:\n  - name: api\n    image: ${image}\n    strategy: semver\n    range: "<2.0.0"\n`;

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A GitHub that never answers, closed after the test. */
async function hangingGitHub(): Promise<HangingServer> {
  const hanging = await hangingServer();
  closers.push(() => hanging.close());
  return hanging;
}

async function serve(baseUrl: string, overrides: Partial<ServeConfig> = {}) {
  const log = recordingLog();
  const running = await startServe({
    port: 0,
    host: '127.0.0.1',
    repos: [{ repo: 'acme/env' }],
    github: { auth: { kind: 'token', token: 'test-token' }, baseUrl },
    webhookSecrets: { default: SECRET },
    allowList: ImageAllowList.fromText('*'),
    log,
    // Long enough for a loaded machine; the test of the timeout itself sets its own.
    startCheckTimeoutMs: 10_000,
    githubRetryAfterBaseMs: 1,
    ...overrides,
  });
  let closed = false;
  closers.push(async () => {
    if (!closed) await running.close(100);
  });
  const post = (image: string, tag: string, id: string) =>
    fetch(`${running.url}/webhooks/distribution`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${SECRET}`,
        'content-type': 'application/vnd.docker.distribution.events.v1+json',
      },
      body: JSON.stringify({
        events: [
          {
            id,
            timestamp: new Date().toISOString(),
            action: 'push',
            target: {
              mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
              digest: DIGEST,
              repository: image,
              url: `https://registry.example.com/v2/${image}/manifests/${DIGEST}`,
              tag,
            },
            request: { host: 'registry.example.com' },
          },
        ],
      }),
    });
  return {
    running,
    log,
    post,
    async close(graceMs: number) {
      closed = true;
      return running.close(graceMs);
    },
  };
}

const until = async (condition: () => boolean, ms = 5_000) => {
  for (const start = Date.now(); !condition() && Date.now() - start < ms;)
    await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
};

describe('serve stops on time and hands back what it did not apply', () => {
  it('GitHub hanging: the stop aborts the requests in flight, sends nothing after it, and hands every push back', async () => {
    const github = await hangingGitHub();
    const s = await serve(github.url, { concurrency: 4 });
    const K = 12;
    for (let i = 0; i < K; i++)
      expect((await s.post(`shop/app-${i}`, '1.1.0', `delivery-${i}`)).status).toBe(202);
    await until(() => s.running.queue.stats().running === 4);

    const started = performance.now();
    expect(await s.close(300)).toBe(false);
    const took = performance.now() - started;
    const sent = github.requests();
    await new Promise((r) => setTimeout(r, 500));

    expect(took).toBeLessThan(300 + 2_000 + 500);
    expect(github.requests()).toBe(sent);
    const handedBack = s.log.entries.filter((e) => e.message === 'push handed back');
    expect(handedBack).toHaveLength(K);
    expect(handedBack.every((e) => e.level === 'error' && e.attributes.reason === 'shutdown')).toBe(true);
    expect(handedBack.map((e) => e.attributes.correlation_id).sort()).toEqual(
      Array.from({ length: K }, (_, i) => `delivery-${i}`).sort(),
    );
    expect(handedBack[0]!.attributes).toMatchObject({
      image: expect.stringMatching(/^registry\.example\.com\/shop\/app-/),
      tag: '1.1.0',
      digest: DIGEST,
      detail: expect.stringMatching(/answered 202.*re-push the tag or redeliver/),
    });
    expect(s.log.entries.filter((e) => e.message === 'accepted pushes not applied at shutdown')).toEqual([
      expect.objectContaining({ level: 'error', attributes: expect.objectContaining({ handedBack: K }) }),
    ]);
    expect(s.running.queue.stats()).toMatchObject({ handedBack: K, processed: 0 });
  });

  it('GitHub unreachable: one warning per failed try with its code and next try, one error when given up, no "500"', async () => {
    const s = await serve(await refusedUrl(), { maxAttempts: 3, retryDelayMs: () => 20 });
    expect(s.log.entries.filter((e) => e.level === 'warn').map((e) => e.attributes.errorCode)).toEqual([
      'GITHUB_UNREACHABLE',
    ]);
    s.log.entries.length = 0;
    expect((await s.post('shop/api', '1.1.0', 'delivery-1')).status).toBe(202);
    await until(() => s.running.queue.isIdle);

    const visible = s.log.entries.filter((e) => e.level !== 'debug');
    // The webhook's line and the worker's first one race; the rest is in order.
    expect(visible.map((e) => [e.level, e.message]).slice(2)).toEqual([
      ['warn', 'push failed; it will be tried again'],
      ['warn', 'push failed; it will be tried again'],
      ['error', 'push handed back'],
    ]);
    expect(
      visible
        .slice(0, 2)
        .map((e) => e.message)
        .sort(),
    ).toEqual(['push received', 'webhook push accepted']);
    expect(visible.filter((e) => e.level === 'warn').map((e) => e.attributes)).toEqual([
      expect.objectContaining({
        attempt: 1,
        errorCode: 'GITHUB_UNREACHABLE',
        nextAttemptAt: expect.any(String),
      }),
      expect.objectContaining({ attempt: 2, errorCode: 'GITHUB_UNREACHABLE' }),
    ]);
    expect(visible.at(-1)!.attributes).toMatchObject({
      reason: 'retries-exhausted',
      attempts: 3,
      tag: '1.1.0',
      correlation_id: 'delivery-1',
      errorCode: 'GITHUB_UNREACHABLE',
    });
    expect(JSON.stringify(visible)).not.toMatch(/GITHUB_SERVER_ERROR|with id UNKNOWN/);
  });
});

describe('serve bounds what it holds', () => {
  it('a full queue answers 503 with retry-after instead of growing without bound', async () => {
    const hanging = await hangingGitHub();
    const s = await serve(hanging.url, { startCheckTimeoutMs: 50, maxQueued: 2 });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 10 && !refused; i += 1) {
      const response = await s.post('shop/api', `1.0.${i}`, `delivery-${i}`);
      statuses.push(response.status);
      if (response.status !== 202) refused = response;
    }
    expect(statuses.slice(0, 2)).toEqual([202, 202]);
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toBe('10');
    expect(await refused?.json()).toEqual({
      error: expect.stringMatching(/pushes are waiting; deliver again later$/),
    });
    // Accepted pushes are still held, and healthz says so.
    const health = (await (await fetch(`${s.running.url}/healthz`)).json()) as { queue: { queued: number } };
    expect(health.queue.queued).toBeGreaterThanOrEqual(2);
  });
});

describe('serve checks its GitHub credentials and repositories at start', () => {
  let github: GitHubTestServer;
  const withGitHub = async () => {
    github = await createGitHubTestServer();
    github.createRepo('acme', 'env', {
      files: { '.image-updater.yaml': config('registry.example.com/shop/api') },
    });
    closers.push(() => github.close());
  };

  it.each([
    [
      'a token GitHub rejects',
      { github: { auth: { kind: 'token' as const, token: 'bad' } } },
      /GitHub rejected the credentials/,
    ],
    [
      'a repository the token cannot see',
      { repos: [{ repo: 'acme/env' }, { repo: 'acme/missing' }] },
      /not accessible with these credentials: acme\/missing \(GITHUB_NOT_FOUND\)/,
    ],
  ])('%s: the start fails with one clear line', async (_what, overrides, message) => {
    await withGitHub();
    const github_ = { auth: { kind: 'token' as const, token: 'test-token' }, baseUrl: github.url };
    const error = await serve(github.url, {
      ...overrides,
      github: { ...github_, ...('github' in overrides ? overrides.github : {}) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServeStartError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('GitHub unreachable at start: a warning, and serve goes on', async () => {
    const s = await serve(await refusedUrl());
    expect(s.log.entries.filter((e) => e.level === 'warn')).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/could not be checked at start/),
        attributes: expect.objectContaining({ repo: 'acme/env', errorCode: 'GITHUB_UNREACHABLE' }),
      }),
    ]);
    expect((await fetch(`${s.running.url}/healthz`)).status).toBe(200);
  });

  it('GitHub not answering at start: after the start-check timeout, a warning that says so, and serve goes on', async () => {
    const hanging = await hangingGitHub();
    const s = await serve(hanging.url, { startCheckTimeoutMs: 100 });
    expect(s.log.entries.filter((e) => e.level === 'warn')).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/could not be checked at start/),
        attributes: expect.objectContaining({
          repo: 'acme/env',
          errorCode: 'GITHUB_UNREACHABLE',
          errorMessage: expect.stringMatching(/did not answer within 100 ms/),
        }),
      }),
    ]);
    expect(hanging.requests()).toBeGreaterThan(0);
    expect((await fetch(`${s.running.url}/healthz`)).status).toBe(200);
  });

  it('credentials rejected after the start: tried twice at most, then handed back as bad-credentials', async () => {
    await withGitHub();
    const s = await serve(github.url, { retryDelayMs: () => 10 });
    github.setToken('another-token');
    expect((await s.post('shop/api', '1.1.0', 'delivery-401')).status).toBe(202);
    await until(() => s.running.queue.isIdle);
    expect(github.requestCount({ operationId: 'repos/get-content' })).toBe(2);
    expect(s.log.entries.filter((e) => e.level === 'error')).toEqual([
      expect.objectContaining({
        message: 'push handed back',
        attributes: expect.objectContaining({
          reason: 'bad-credentials',
          attempts: 2,
          errorCode: 'GITHUB_UNAUTHORIZED',
        }),
      }),
    ]);
  });
});
