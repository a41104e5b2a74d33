import { loadConfig } from '../../../../lambdas/config/load.ts';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../../../lambdas/adapters/github/host.ts';
import { applyToRepo } from '../../../../lambdas/core/apply/apply.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { deployment, ECR } from '../../../support/github-env.ts';

const API = `${ECR}/shop/api`;
const files = {
  '.image-updater.yaml': `version: 1\npolicies:\n  - {name: api, image: ${API}}\n`,
  'deploy.yaml': deployment(`${API}:1.0.0`),
};

let server: GitHubTestServer | undefined;
afterEach(async () => {
  server?.assertNoViolations();
  await server?.close();
  server = undefined;
});

describe('GitHubHost with a GitHub App', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

  it('looks the installation up once per repository and opens the PR as the App', async () => {
    server = await createGitHubTestServer({ token: false });
    server.createRepo('acme', 'gitops', { files });
    server.createRepo('other', 'gitops', { files });
    server.configureApp({
      appId: 42,
      slug: 'image-updater',
      privateKeyPem: pem,
      installations: [
        { id: 7, account: 'acme' },
        { id: 8, account: 'other' },
      ],
    });
    const host = new GitHubHost({
      auth: { kind: 'app', appId: 42, privateKey: pem },
      baseUrl: server.url,
      writesPerMinute: 0,
      retryAfterBaseMs: 1,
    });
    for (const owner of ['acme', 'acme', 'other']) {
      const client = await host.repo({ owner, name: 'gitops' });
      await applyToRepo(
        client,
        { pushes: [{ image: API, tag: '1.0.1' }] },
        { configPath: '.image-updater.yaml', loadConfig },
      );
    }
    const lookups = server.requests.filter((r) => r.operationId === 'apps/get-repo-installation');
    expect(lookups).toHaveLength(2);
    expect(server.listPulls('acme', 'gitops')).toEqual([
      expect.objectContaining({ author: 'image-updater[bot]' }),
    ]);
    expect(server.listPulls('other', 'gitops')).toHaveLength(1);
  });

  it('says clearly when the App is not installed on a repository, and does not cache the failure', async () => {
    server = await createGitHubTestServer({ token: false });
    server.createRepo('acme', 'gitops', { files });
    server.configureApp({
      appId: 42,
      privateKeyPem: pem,
      installations: [{ id: 7, account: 'someone-else' }],
    });
    const host = new GitHubHost({
      auth: { kind: 'app', appId: 42, privateKey: pem },
      baseUrl: server.url,
      writesPerMinute: 0,
    });
    await expect(host.repo({ owner: 'acme', name: 'gitops' })).rejects.toMatchObject({
      code: 'GITHUB_NOT_INSTALLED',
      retryable: false,
    });
    await expect(host.repo({ owner: 'acme', name: 'gitops' })).rejects.toMatchObject({
      code: 'GITHUB_NOT_INSTALLED',
    });
    expect(server.requests.filter((r) => r.operationId === 'apps/get-repo-installation')).toHaveLength(2);
  });
});

describe('GitHub Enterprise Server', () => {
  it('works against a /api/v3 base URL', async () => {
    server = await createGitHubTestServer({ flavor: 'ghes-3.19' });
    server.createRepo('acme', 'gitops', { files });
    expect(server.url).toMatch(/\/api\/v3$/);
    const host = new GitHubHost({
      auth: { kind: 'token', token: 'test-token' },
      baseUrl: server.url,
      writesPerMinute: 0,
    });
    await applyToRepo(
      await host.repo({ owner: 'acme', name: 'gitops' }),
      { pushes: [{ image: API, tag: '1.0.1' }] },
      { configPath: '.image-updater.yaml', loadConfig },
    );
    expect(server.readFile('acme', 'gitops', 'image-updater/api', 'deploy.yaml')).toBe(
      deployment(`${API}:1.0.1`),
    );
  });
});

describe('GitHubHost: a write deadline', () => {
  /** One 403 secondary-limit answer with `retry-after: 5` (500 ms here) on creating the PR. */
  async function throttledOnce() {
    server = await createGitHubTestServer();
    server.createRepo('acme', 'gitops', { files });
    server.addFault({
      match: { operationId: 'pulls/create' },
      respond: { status: 403, secondaryRateLimit: true, retryAfter: 5 },
    });
    return new GitHubHost({
      auth: { kind: 'token', token: 'test-token' },
      baseUrl: server.url,
      retryAfterBaseMs: 100,
    });
  }
  const apply = async (host: GitHubHost) =>
    applyToRepo(
      await host.repo({ owner: 'acme', name: 'gitops' }),
      { pushes: [{ image: API, tag: '1.0.1' }] },
      { configPath: '.image-updater.yaml', loadConfig },
    );

  it('waits out a retry-after that ends before the deadline, and the PR opens', async () => {
    const host = await throttledOnce();
    host.setWriteDeadline(10_000);
    const report = await apply(host);
    expect(report.units.map((u) => u.action)).toEqual(['opened']);
    expect(server!.requests.filter((r) => r.operationId === 'pulls/create')).toHaveLength(2);
    expect(server!.listPulls('acme', 'gitops')).toHaveLength(1);
  });

  it('does not wait out a retry-after that would end after it: the unit fails at once, retryable', async () => {
    const host = await throttledOnce();
    host.setWriteDeadline(200);
    const report = await apply(host);
    // Asked once, not again after the wait.
    expect(server!.requests.filter((r) => r.operationId === 'pulls/create')).toHaveLength(1);
    expect(report.failures).toEqual([
      expect.objectContaining({
        branch: 'image-updater/api',
        error: expect.objectContaining({ code: 'GITHUB_RATE_LIMITED', retryable: true }),
      }),
    ]);
    expect(server!.listPulls('acme', 'gitops')).toEqual([]);
  });
});
