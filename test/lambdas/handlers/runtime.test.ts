import { describe, expect, it } from 'vitest';
import type { GitHubCredentials } from '../../../lambdas/adapters/secrets/github-credentials.ts';
import { hostProvider } from '../../../lambdas/handlers/runtime.ts';
import type { GitHost } from '../../../lambdas/ports/git-host.ts';

describe('GitHub host per credentials', () => {
  it('keeps one host while the credentials are unchanged and builds a new one after a rotation', async () => {
    const first: GitHubCredentials = { kind: 'token', token: 'a' };
    const rotated: GitHubCredentials = { kind: 'token', token: 'b' };
    let current = first;
    const built: GitHubCredentials[] = [];
    const host = hostProvider(
      async () => current,
      (auth) => {
        built.push(auth);
        return { repo: () => Promise.reject(new Error('unused')) } satisfies GitHost;
      },
    );
    const h1 = await host();
    expect(await host()).toBe(h1);
    current = rotated;
    const h2 = await host();
    expect(h2).not.toBe(h1);
    expect(built).toEqual([first, rotated]);
  });
});
