import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../../lambdas/adapters/github/host.ts';
import { SqsPushQueue } from '../../../lambdas/adapters/sqs/push-queue.ts';
import { ImageAllowList } from '../../../lambdas/adapters/webhooks/allow-list.ts';
import { staticWebhookSecrets } from '../../../lambdas/adapters/webhooks/secrets.ts';
import { createWebhookHandler } from '../../../lambdas/handlers/webhook.ts';
import { parseWebhookEnv } from '../../../lambdas/handlers/webhook-env.ts';
import { createWorker } from '../../../lambdas/handlers/worker.ts';
import { EnvironmentError } from '../../../lambdas/handlers/errors.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog, recordingMetrics, sqsEvent, sqsRecord } from '../../support/handlers.ts';
import { hubSignature, SECRET } from '../adapters/webhooks/rig.ts';

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/image-updater';
const IMAGE = 'registry.example.com/shop/api';

function urlEvent(
  path: string,
  body: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    base64?: boolean;
  } = {},
): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc',
      domainName: 'abc.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abc',
      http: {
        method: options.method ?? 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'Go-http-client/1.1',
      },
      requestId: 'req',
      routeKey: '$default',
      stage: '$default',
      time: '22/Nov/2026:04:50:03 +0000',
      timeEpoch: 0,
    },
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

const distributionPush = (tag: string) =>
  JSON.stringify({
    events: [
      {
        id: `event-${tag}`,
        timestamp: '2026-11-22T04:50:03.917962479Z',
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${'c'.repeat(64)}`,
          repository: 'shop/api',
          url: `https://registry.example.com/v2/shop/api/manifests/sha256:${'c'.repeat(64)}`,
          tag,
        },
        request: { host: 'registry.example.com' },
      },
    ],
  });

function handler(allow = ['registry.example.com/shop']) {
  const log = recordingLog();
  const metrics = recordingMetrics();
  return {
    log,
    metrics,
    handle: createWebhookHandler({
      secrets: staticWebhookSecrets(SECRET),
      allowList: ImageAllowList.parse(allow),
      queue: new SqsPushQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL }),
      log,
      metrics,
    }),
  };
}

const sentBodies = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.MessageBody!));

describe('webhook function (Lambda function URL)', () => {
  let server: GitHubTestServer;
  beforeAll(async () => {
    server = await createGitHubTestServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  });

  it('a registry push reaches the same queue as ECR events, and the worker turns it into a PR', async () => {
    server.createRepo('acme', 'lambda-path', {
      files: {
        '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n    strategy: semver\n`,
        'apps/api/deployment.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ${IMAGE}:1.0.0\n`,
      },
    });
    const { handle, metrics } = handler();
    const response = await handle(
      urlEvent('/webhooks/distribution', distributionPush('1.1.0'), {
        headers: {
          authorization: `Bearer ${SECRET}`,
          'content-type': 'application/vnd.docker.distribution.events.v1+json',
        },
      }),
    );
    expect(response).toMatchObject({ statusCode: 202 });
    expect(metrics.sum('WebhookPushesAccepted')).toBe(1);

    const worker = createWorker({
      repos: [{ repo: 'acme/lambda-path' }],
      host: async () =>
        new GitHubHost({
          auth: { kind: 'token', token: 'test-token' },
          baseUrl: server.url,
          writesPerMinute: 0,
        }),
      log: recordingLog(),
      metrics: recordingMetrics(),
    });
    const result = await worker(sqsEvent(...sentBodies().map((b) => sqsRecord(b))));
    expect(result.batchItemFailures).toEqual([]);
    const pulls = server.listPulls('acme', 'lambda-path');
    expect(pulls).toHaveLength(1);
    expect(server.readFile('acme', 'lambda-path', pulls[0]!.headRef, 'apps/api/deployment.yaml')).toContain(
      `${IMAGE}:1.1.0`,
    );
    server.assertNoViolations();
  });

  it('a base64-encoded body (non-JSON content type) is checked over its exact bytes', async () => {
    const body = JSON.stringify({
      action: 'published',
      package: {
        name: 'api',
        package_type: 'CONTAINER',
        package_version: {
          package_url: 'ghcr.io/acme/api:2.0.0',
          container_metadata: { tag: { name: '2.0.0' } },
        },
      },
    });
    const { handle } = handler(['ghcr.io/acme']);
    const response = await handle(
      urlEvent('/webhooks/ghcr', body, {
        base64: true,
        headers: {
          'x-github-event': 'package',
          'x-hub-signature-256': hubSignature(body),
          'content-type': 'application/octet-stream',
        },
      }),
    );
    expect(response).toMatchObject({ statusCode: 202 });
    expect(sentBodies()).toHaveLength(1);
  });

  it.each([
    ['an unknown provider', '/webhooks/quay', 'POST', 404],
    ['another path', '/', 'POST', 404],
    ['a GET', '/webhooks/distribution', 'GET', 405],
  ])('%s → %d', async (_what, path, method, status) => {
    const { handle } = handler();
    const response = await handle(
      urlEvent(path, '{}', { method, headers: { authorization: `Bearer ${SECRET}` } }),
    );
    expect(response).toMatchObject({ statusCode: status });
    expect(sentBodies()).toEqual([]);
  });

  it('SQS refusing the pushes → 503 with Retry-After, so the registry delivers again', async () => {
    sqs.reset();
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const { handle, log } = handler();
    const response = await handle(
      urlEvent('/webhooks/distribution', distributionPush('1.2.0'), {
        headers: { authorization: `Bearer ${SECRET}` },
      }),
    );
    expect(response).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5' } });
    expect(log.text()).not.toContain(SECRET);
  });

  it('the environment is parsed once at cold start; a bad value names the variable', () => {
    const env = parseWebhookEnv({
      WEBHOOK_SECRET_ID: 'image-updater/webhook',
      WEBHOOK_ALLOWED_IMAGES: '["registry.example.com/shop", "ghcr.io/acme"]',
      QUEUE_URL,
    });
    expect(env.allowList.allows('ghcr.io/acme/api')).toBe(true);
    expect(env.WEBHOOK_MAX_BODY_BYTES).toBe(256 * 1024);
    expect(env.INDEX_TABLE_NAME).toBeUndefined();
    const base = { WEBHOOK_SECRET_ID: 's', QUEUE_URL, WEBHOOK_ALLOWED_IMAGES: '["*"]' };
    expect(parseWebhookEnv({ ...base, INDEX_TABLE_NAME: 'image-updater-index' }).INDEX_TABLE_NAME).toBe(
      'image-updater-index',
    );
    expect(() => parseWebhookEnv({ ...base, INDEX_TABLE_NAME: 'no spaces' })).toThrow(/INDEX_TABLE_NAME/);
    expect(() => parseWebhookEnv({ WEBHOOK_SECRET_ID: 's', QUEUE_URL })).toThrow(/WEBHOOK_ALLOWED_IMAGES/);
    expect(() =>
      parseWebhookEnv({ WEBHOOK_SECRET_ID: 's', QUEUE_URL, WEBHOOK_ALLOWED_IMAGES: '["shop/api"]' }),
    ).toThrow(EnvironmentError);
  });
});
