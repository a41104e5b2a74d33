/**
 * Reading a release of another repository (an image's source) with the environment repository's
 * credentials: a GitHub App installation sees only its own repositories, so a source outside it
 * is "no release notes", never an error.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../../../lambdas/adapters/github/host.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
let server: GitHubTestServer | undefined;
afterEach(async () => {
  server?.assertNoViolations();
  await server?.close();
  server = undefined;
});

describe('RepoClient.readRelease', () => {
  it('reads a release of a repository the installation covers; one it does not cover, a draft or a missing tag is none', async () => {
    server = await createGitHubTestServer({ token: false });
    for (const name of ['gitops', 'api', 'elsewhere']) server.createRepo('acme', name, {});
    server.createRelease('acme', 'api', { tag: 'v1.5.0', body: 'notes' });
    server.createRelease('acme', 'api', { tag: 'v1.6.0', body: 'draft', draft: true });
    server.createRelease('acme', 'elsewhere', { tag: 'v1.5.0', body: 'hidden' });
    server.configureApp({
      appId: 42,
      privateKeyPem: pem,
      installations: [{ id: 7, repositories: ['acme/gitops', 'acme/api'] }],
    });
    const host = new GitHubHost({ auth: { kind: 'app', appId: 42, privateKey: pem }, baseUrl: server.url });
    const client = await host.repo({ owner: 'acme', name: 'gitops' });
    expect(await client.readRelease!({ owner: 'acme', name: 'api' }, 'v1.5.0')).toEqual({
      tag: 'v1.5.0',
      body: 'notes',
    });
    expect(await client.readRelease!({ owner: 'acme', name: 'api' }, 'v1.6.0')).toBeUndefined();
    expect(await client.readRelease!({ owner: 'acme', name: 'api' }, 'v9.9.9')).toBeUndefined();
    expect(await client.readRelease!({ owner: 'acme', name: 'elsewhere' }, 'v1.5.0')).toBeUndefined();
  });

  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com'],
    ['http://127.0.0.1:8080', 'https://github.com'],
  ])('the API at %s: repositories on the web at %s', async (baseUrl, web) => {
    const host = new GitHubHost({ auth: { kind: 'token', token: 't' }, baseUrl });
    expect((await host.repo({ owner: 'acme', name: 'gitops' })).webOrigin).toBe(web);
  });
});
