/**
 * The bundled webhook function receiving a CNCF Distribution notification as its function URL
 * delivers it (bearer secret in moto's Secrets Manager), its `SendMessageBatch` to moto's SQS,
 * and the bundled worker decoding that message and opening the PR on the GitHub test server.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { corpusEvent } from '../support/corpus.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { synthesiseWithBundles, type Synthesised } from './support/bundles.ts';
import { startLambda, type LambdaProcess } from './support/lambda-process.ts';
import { startMoto, type Moto } from './support/moto.ts';
import { deliverOnce, receiveAll, templateEnv } from './support/queue.ts';
import { describeWithTools, probe } from './support/tools.ts';

const MOTO = probe('moto_server', 'moto_server', ['--help']);
const REGISTRY = 'registry.example.test';
const IMAGE = `${REGISTRY}/shop/api`;
const WEBHOOK_SECRET = 'distribution-bearer-0123456789';

interface Response {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The corpus notification's push, now of a tag, beside a layer push that moves no tag. */
function notification(): string {
  const [sample] = (
    corpusEvent('distribution-notification-push.json') as { events: Record<string, unknown>[] }
  ).events as [{ target: Record<string, unknown> } & Record<string, unknown>];
  const manifest = {
    ...sample,
    target: {
      ...sample.target,
      repository: 'shop/api',
      tag: '1.1.0',
      url: `https://${REGISTRY}/v2/shop/api/manifests/${String(sample.target.digest)}`,
    },
  };
  const layer = {
    ...sample,
    id: `${String(sample.id)}-layer`,
    target: {
      ...manifest.target,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      tag: undefined,
      url: `https://${REGISTRY}/v2/shop/api/blobs/${String(sample.target.digest)}`,
    },
  };
  return JSON.stringify({ events: [layer, manifest] });
}

/** A function URL invocation as Lambda builds it; a body not typed as text arrives base64-encoded. */
function functionUrlEvent(body: string, authorization: string) {
  const headers = {
    'content-type': 'application/vnd.docker.distribution.events.v2+json',
    authorization,
    'user-agent': 'distribution/3.0.0',
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/webhooks/distribution',
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'anonymous',
      domainName: 'abc.lambda-url.eu-west-1.on.aws',
      http: {
        method: 'POST',
        path: '/webhooks/distribution',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'],
      },
      requestId: 'request',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 1767225600000,
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

describeWithTools(
  'AWS tier: webhook → SQS → worker on moto_server',
  [MOTO],
  "pip install 'moto[server]==5.2.1'",
  () => {
    let moto: Moto;
    let synth: Synthesised;
    let github: GitHubTestServer;
    let sqs: SQSClient;
    let queueUrl: string;
    let webhook: LambdaProcess;
    let worker: LambdaProcess;

    beforeAll(async () => {
      [moto, github] = await Promise.all([startMoto(), createGitHubTestServer()]);
      synth = synthesiseWithBundles({ githubAuth: 'token', webhookAllowedImages: [REGISTRY] });
      const client = moto.clientConfig;
      sqs = new SQSClient(client);
      const secrets = new SecretsManagerClient(client);
      queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'queue' }))).QueueUrl!;
      const secretArn = async (Name: string, SecretString: string) =>
        (await secrets.send(new CreateSecretCommand({ Name, SecretString }))).ARN!;
      const [webhookSecretArn, githubSecretArn] = await Promise.all([
        secretArn('webhook', WEBHOOK_SECRET),
        secretArn('github', JSON.stringify({ token: 'test-token' })),
      ]);
      github.createRepo('acme', 'gitops', {
        files: {
          '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n    strategy: semver\n    files: ["apps/**"]\n`,
          'apps/deployment.yaml': `spec:\n  containers:\n    - image: ${IMAGE}:1.0.0\n`,
        },
      });

      const start = (name: 'Webhook' | 'Worker', env: Record<string, string>) => {
        const { file, exportName, resource } = synth.bundle(name);
        return startLambda({ file, exportName, env: { ...templateEnv(resource), ...moto.env, ...env } });
      };
      [webhook, worker] = await Promise.all([
        start('Webhook', { WEBHOOK_SECRET_ID: webhookSecretArn, QUEUE_URL: queueUrl }),
        start('Worker', {
          WATCHED_REPOS: JSON.stringify([{ repo: 'acme/gitops' }]),
          GITHUB_SECRET_ID: githubSecretArn,
          GITHUB_API_URL: github.url,
        }),
      ]);
    }, 120_000);

    afterAll(async () => {
      await Promise.all([webhook?.stop(), worker?.stop()]);
      await Promise.all([moto?.stop(), github?.close()]);
      synth?.remove();
    });

    it('a wrong bearer secret is refused with 401 and nothing reaches the queue', async () => {
      const { result } = await webhook.invoke<Response>(
        functionUrlEvent(notification(), 'Bearer not-the-secret'),
      );

      expect(result).toMatchObject({ statusCode: 401, headers: { 'www-authenticate': 'Bearer' } });
      expect(await receiveAll(sqs, queueUrl)).toEqual([]);
    }, 30_000);

    it('a Distribution push with the right secret: 202, one message on the queue, the worker opens the PR', async () => {
      const { result, error } = await webhook.invoke<Response>(
        functionUrlEvent(notification(), `Bearer ${WEBHOOK_SECRET}`),
      );

      expect(error).toBeUndefined();
      expect(result!.statusCode).toBe(202);
      expect(JSON.parse(result!.body)).toMatchObject({
        status: 'accepted',
        accepted: [{ image: IMAGE, tag: '1.1.0' }],
        ignored: [{ reason: 'not-a-manifest' }],
      });

      expect(await deliverOnce(sqs, queueUrl, worker)).toEqual({ records: 1, failed: 0 });
      expect(await deliverOnce(sqs, queueUrl, worker)).toBeUndefined();
      const pulls = github.listPulls('acme', 'gitops', { state: 'open' });
      expect(pulls).toHaveLength(1);
      expect(github.readFile('acme', 'gitops', pulls[0]!.headRef, 'apps/deployment.yaml')).toContain(
        `${IMAGE}:1.1.0\n`,
      );
    }, 30_000);
  },
);
