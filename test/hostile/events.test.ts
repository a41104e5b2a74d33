/**
 * Hostile queue messages and webhook deliveries: malformed, oversized, mistyped or deeply nested
 * bodies reach the worker as SQS records; unsigned, forged and replayed deliveries reach the
 * webhook endpoint. Each is answered clearly (acknowledged and logged as malformed or ignored,
 * or refused with 401/413), none is retried forever, nothing is written, and each is fast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../lambdas/adapters/github/host.ts';
import { ImageAllowList } from '../../lambdas/adapters/webhooks/allow-list.ts';
import { staticWebhookSecrets } from '../../lambdas/adapters/webhooks/secrets.ts';
import { MAX_MESSAGE_BYTES } from '../../lambdas/adapters/sqs/messages.ts';
import { encodeQueuedMessage } from '../../lambdas/adapters/sqs/messages.ts';
import { createWebhookRouter } from '../../lambdas/handlers/webhook-router.ts';
import { createWorker } from '../../lambdas/handlers/worker.ts';
import { corpusEvent } from '../support/corpus.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { deployment } from '../support/github-env.ts';
import { recordingLog, recordingMetrics, sqsEvent, sqsRecord } from '../support/handlers.ts';

const ECR_IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/api';
const REGISTRY_IMAGE = 'registry.example.com/shop/api';
const SECRET = 'a-long-shared-secret-for-the-registry';

let server: GitHubTestServer;
beforeAll(async () => {
  server = await createGitHubTestServer();
  server.createRepo('acme', 'env', {
    files: {
      '.image-updater.yaml': `version: 1
policies:
  - {name: api, image: ${ECR_IMAGE}, files: ["ecr/**"]}
  - {name: web, image: ${REGISTRY_IMAGE}, files: ["registry/**"]}
`,
      'ecr/api.yaml': deployment(`${ECR_IMAGE}:1.0.0`),
      'registry/api.yaml': deployment(`${REGISTRY_IMAGE}:1.0.0`),
    },
  });
});
afterAll(async () => {
  server.assertNoViolations();
  await server.close();
});

function worker() {
  const log = recordingLog();
  const metrics = recordingMetrics();
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    writesPerMinute: 0,
    retryAfterBaseMs: 1,
  });
  const handler = createWorker({
    repos: [{ repo: 'acme/env' }],
    host: async () => host,
    log,
    metrics,
    apply: { backoffMs: 1 },
  });
  return { handler, log, metrics };
}

const push = corpusEvent('ecr-image-action-push.json');
const ecr = (detail: Record<string, unknown>, envelope: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...push,
    ...envelope,
    detail: { ...(push.detail as object), 'repository-name': 'shop/api', 'image-tag': '1.0.1', ...detail },
  });
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const MALFORMED: readonly [string, string][] = [
  ['not JSON', '{"version": "0", '],
  ['JSON but an array', '[1, 2, 3]'],
  ['JSON but a string', '"ECR Image Action"'],
  ['the empty body', ''],
  ['a body over the SQS limit', `{"pad": "${'x'.repeat(MAX_MESSAGE_BYTES)}"}`],
  ['JSON nested 100,000 deep', nested(100_000)],
  ['an envelope with the wrong types', ecr({}, { time: 12, resources: 'none' })],
  ['an ECR event without a repository name', ecr({ 'repository-name': undefined })],
  ['an ECR repository name of 10,000 characters', ecr({ 'repository-name': `a${'b'.repeat(9_999)}` })],
  ['an ECR repository name with a path traversal', ecr({ 'repository-name': '../../etc' })],
  ['an ECR account that is not 12 digits', ecr({}, { account: '1234' })],
  [
    'a push message with an unknown key',
    JSON.stringify({ kind: 'push', push: { image: REGISTRY_IMAGE, tag: '1.0.1' }, source: 'x', extra: 1 }),
  ],
  [
    'a push message naming no registry',
    JSON.stringify({ kind: 'push', push: { image: '../../x', tag: '1.0.1' }, source: 'x' }),
  ],
  [
    'a push message with a prototype key',
    '{"kind":"push","__proto__":{"polluted":true},"push":{"image":"a.io/b","tag":"1"},"source":"x"}',
  ],
];

const IGNORED: readonly [string, string][] = [
  ['an ECR event with a tag outside the grammar', ecr({ 'image-tag': '1.0.1\nimage: evil' })],
  ['an ECR delete', ecr({ 'action-type': 'DELETE' })],
  ['a failed ECR push', ecr({ result: 'FAILURE' })],
  ['an untagged per-platform manifest', ecr({ 'image-tag': '' })],
  [
    'an attestation tag',
    ecr({ 'image-tag': 'sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.att' }),
  ],
  ['another event type', JSON.stringify({ ...push, 'detail-type': 'ECR Image Scan', detail: {} })],
];

describe('hostile SQS records reach the worker', () => {
  it.each(MALFORMED)(
    '%s: acknowledged (not retried), logged as malformed, nothing written',
    async (_, body) => {
      const { handler, log, metrics } = worker();
      server.resetLog();
      const start = performance.now();
      const response = await handler(sqsEvent(sqsRecord(body)));
      expect(performance.now() - start).toBeLessThan(2000);
      expect(response.batchItemFailures).toEqual([]);
      expect(metrics.sum('EventsMalformed')).toBe(1);
      expect(log.entries.find((e) => e.message.includes('malformed'))?.attributes.reason).toMatch(/\S/);
      // The log line never carries the body.
      expect(log.text()).not.toContain('x'.repeat(1000));
      expect(server.writeCount()).toBe(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it.each(IGNORED)('%s: acknowledged as ignored with a reason, nothing written', async (_, body) => {
    const { handler, log } = worker();
    server.resetLog();
    expect((await handler(sqsEvent(sqsRecord(body)))).batchItemFailures).toEqual([]);
    expect(log.entries.find((e) => e.message === 'event ignored')?.attributes.reason).toMatch(/\S/);
    expect(server.writeCount()).toBe(0);
  });

  it('a batch of hostile records around one real push: only the push is applied', async () => {
    const { handler } = worker();
    server.resetLog();
    const records = [...MALFORMED, ...IGNORED].map(([, body]) => sqsRecord(body));
    records.splice(5, 0, sqsRecord(ecr({ 'image-tag': '1.0.1' })));
    expect((await handler(sqsEvent(...records))).batchItemFailures).toEqual([]);
    const pulls = server.listPulls('acme', 'env');
    expect(pulls.map((p) => p.title)).toEqual(['chore(images): update api to 1.0.1']);
  });
});

describe('hostile webhook deliveries', () => {
  function endpoint() {
    const queued: string[] = [];
    const log = recordingLog();
    const router = createWebhookRouter({
      secrets: staticWebhookSecrets(SECRET),
      allowList: ImageAllowList.parse(['registry.example.com/shop']),
      queue: {
        async enqueue(pushes) {
          for (const p of pushes) queued.push(encodeQueuedMessage(p));
        },
      },
      log,
    });
    const deliver = (body: string, headers: Record<string, string> = {}) =>
      router({ method: 'POST', path: '/webhooks/distribution', headers, query: {}, body: Buffer.from(body) });
    return { queued, deliver, log };
  }
  const notification = (tag: string) => {
    const sample = corpusEvent('distribution-notification-push.json') as {
      events: Record<string, unknown>[];
    };
    const [event] = sample.events;
    return JSON.stringify({
      events: [
        {
          ...event,
          id: `delivery-${tag}`,
          target: {
            ...(event!.target as object),
            repository: 'shop/api',
            tag,
            url: `https://registry.example.com/v2/shop/api/manifests/${tag}`,
          },
        },
      ],
    });
  };

  it.each([
    ['no credentials', {}],
    ['a wrong token', { authorization: 'Bearer not-the-secret' }],
    ['the secret as a prefix only', { authorization: `Bearer ${SECRET.slice(0, 10)}` }],
    ['the secret with a different scheme', { authorization: `Basic ${SECRET}` }],
  ])('%s: 401, nothing queued', async (_, headers) => {
    const { queued, deliver } = endpoint();
    const response = await deliver(notification('1.0.1'), headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect(queued).toEqual([]);
  });

  it('an oversized delivery: 413 before the secret is even checked, nothing queued', async () => {
    const { queued, deliver } = endpoint();
    const response = await deliver(`{"events": [], "pad": "${'x'.repeat(300 * 1024)}"}`, {
      authorization: `Bearer ${SECRET}`,
    });
    expect(response.status).toBe(413);
    expect(queued).toEqual([]);
  });

  it('a replayed delivery (and a late replay of an older one) is accepted but writes nothing the second time', async () => {
    const { queued, deliver } = endpoint();
    const auth = {
      authorization: `Bearer ${SECRET}`,
      'content-type': 'application/vnd.docker.distribution.events.v2+json',
    };
    for (const tag of ['1.0.5', '1.0.5', '1.0.3'])
      expect((await deliver(notification(tag), auth)).status).toBe(202);
    expect(queued).toHaveLength(3);

    const { handler } = worker();
    const counts: number[] = [];
    for (const body of queued) {
      server.resetLog();
      expect((await handler(sqsEvent(sqsRecord(body)))).batchItemFailures).toEqual([]);
      counts.push(server.writeCount());
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts.slice(1)).toEqual([0, 0]);
    const pulls = server.listPulls('acme', 'env').filter((p) => p.headRef === 'image-updater/web');
    expect(pulls).toHaveLength(1);
    expect(server.readFile('acme', 'env', 'image-updater/web', 'registry/api.yaml')).toBe(
      deployment(`${REGISTRY_IMAGE}:1.0.5`),
    );
  });
});
