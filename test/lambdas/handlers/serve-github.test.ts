/**
 * `serve`'s `POST /webhooks/github` over HTTP on 127.0.0.1: the App's secret (GITHUB_WEBHOOK_SECRET),
 * a delivery queued once and read by the worker, GitHub's own body limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ImageAllowList } from '../../../lambdas/adapters/webhooks/allow-list.ts';
import type { SecretsByProvider } from '../../../lambdas/adapters/webhooks/secrets.ts';
import { startServe } from '../../../lambdas/handlers/serve-app.ts';
import { createGitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog } from '../../support/handlers.ts';
import { githubHeaders, pushPayload } from '../../support/github-events.ts';

const SECRET = 'serve-registry-secret-0123456789';
const GITHUB_SECRET = 'serve-github-app-secret-98765432';
const DELIVERY = '0b8ef0a0-0000-4000-8000-000000000001';
const CONFIG =
  'version: 1\npolicies:\n  - name: api\n    image: registry.example.com/shop/api\n    strategy: semver\n';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(webhookSecrets: SecretsByProvider) {
  const github = await createGitHubTestServer();
  closers.push(() => github.close());
  github.createRepo('acme', 'env', { files: { '.image-updater.yaml': CONFIG } });
  const log = recordingLog();
  const running = await startServe({
    port: 0,
    host: '127.0.0.1',
    repos: [{ repo: 'acme/env' }],
    github: { auth: { kind: 'token', token: 'test-token' }, baseUrl: github.url },
    webhookSecrets,
    allowList: ImageAllowList.fromText('*'),
    log,
  });
  closers.push(() => running.close(1_000));
  const post = (body: string, delivery = DELIVERY, secret = GITHUB_SECRET) =>
    fetch(`${running.url}/webhooks/github`, {
      method: 'POST',
      headers: githubHeaders('push', delivery, body, secret),
      body,
    });
  return { running, log, post };
}

const push = (paths: string[] = ['.image-updater.yaml']) =>
  JSON.stringify(pushPayload('acme/env', { paths, installationId: 42 }));

describe('serve: POST /webhooks/github', () => {
  it('a signed push reaches the worker once; its redelivery is answered duplicate', async () => {
    const { running, log, post } = await serve({ default: SECRET, github: GITHUB_SECRET });
    const first = await post(push());
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ status: 'accepted', delivery: DELIVERY, event: 'push' });
    const again = await post(push());
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate', delivery: DELIVERY });
    for (let i = 0; i < 500 && !running.queue.isIdle; i++) await new Promise((r) => setTimeout(r, 10));
    const received = log.entries.filter((e) => e.message === 'github event received');
    expect(received.map((e) => e.attributes)).toEqual([
      { type: 'push', repo: 'acme/env', delivery: DELIVERY },
    ]);
    // The config push re-read the config and ran the repository.
    const handled = log.entries.filter((e) => e.message === 'github event handled');
    expect(handled.map((e) => e.attributes)).toEqual([
      { type: 'push', delivery: DELIVERY, detail: 'config changed: applied' },
    ]);
    expect(log.text()).not.toContain(GITHUB_SECRET);
  });

  it("without GITHUB_WEBHOOK_SECRET every delivery is 401, even one signed with the registries' secret", async () => {
    const { post } = await serve({ default: SECRET });
    expect((await post(push(), DELIVERY, SECRET)).status).toBe(401);
    expect((await post(push(), DELIVERY, GITHUB_SECRET)).status).toBe(401);
  });

  it("takes a 1 MiB push (over the registries' 256 KiB) and answers 413 above 5 MiB", async () => {
    const { post } = await serve({ default: SECRET, github: GITHUB_SECRET });
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => `apps/${String(i).padStart(200, '0')}.yaml`);
    expect((await post(push(many(5_000)))).status).toBe(202);
    expect((await post(push(many(26_000)), DELIVERY.replace('1', '2'))).status).toBe(413);
  });
});
