/**
 * The image index and the GitHub intake in their AWS form: the bundled webhook function claims
 * GitHub delivery ids in moto's DynamoDB (a redelivery is queued once), the bundled worker keeps
 * the index in the same table, acts on a config `push` event, and with the index warm runs only
 * the repositories that watch a pushed image.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { synthesiseWithBundles, type Synthesised } from './support/bundles.ts';
import { startLambda, type LambdaProcess } from './support/lambda-process.ts';
import { startMoto, type Moto, createIndexTable } from './support/moto.ts';
import { deliverOnce, receiveAll, templateEnv } from './support/queue.ts';
import { describeWithTools, probe } from './support/tools.ts';
import { githubHeaders, pushPayload } from '../support/github-events.ts';

const MOTO = probe('moto_server', 'moto_server', ['--help']);
const REGISTRY = 'registry.example.test';
const API = `${REGISTRY}/shop/api`;
const WEB = `${REGISTRY}/shop/web`;
const REGISTRY_SECRET = 'distribution-bearer-0123456789';
const GITHUB_SECRET = 'github-app-webhook-secret-0123';
const TABLE = 'image-updater-index';

interface Response {
  readonly statusCode: number;
  readonly body: string;
}

const config = (image: string) =>
  `version: 1\npolicies:\n  - name: app\n    image: ${image}\n    strategy: semver\n`;
const deployment = (image: string, tag: string) => `spec:\n  containers:\n    - image: ${image}:${tag}\n`;

/** A function URL invocation as Lambda builds it. */
function urlEvent(path: string, body: string, headers: Record<string, string>) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: 'anonymous',
      domainName: 'abc.lambda-url.eu-west-1.on.aws',
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'GitHub-Hookshot/1',
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

function githubPush(repo: string, delivery: string) {
  const body = JSON.stringify(pushPayload(repo));
  const { 'content-type': _type, ...headers } = githubHeaders('push', delivery, body, GITHUB_SECRET);
  return urlEvent('/webhooks/github', body, headers);
}

function registryPush(tag: string) {
  const body = JSON.stringify({
    events: [
      {
        id: `push-${tag}`,
        timestamp: new Date().toISOString(),
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${'1'.repeat(64)}`,
          repository: 'shop/api',
          url: `https://${REGISTRY}/v2/shop/api/manifests/sha256:${'1'.repeat(64)}`,
          tag,
        },
        request: { host: REGISTRY },
      },
    ],
  });
  return urlEvent('/webhooks/distribution', body, {
    'content-type': 'application/vnd.docker.distribution.events.v2+json',
    authorization: `Bearer ${REGISTRY_SECRET}`,
  });
}

describeWithTools(
  'AWS tier: the image index and GitHub events on moto_server',
  [MOTO],
  "pip install 'moto[server]==5.2.1'",
  () => {
    let moto: Moto;
    let synth: Synthesised;
    let github: GitHubTestServer;
    let sqs: SQSClient;
    let documents: DynamoDBDocumentClient;
    let queueUrl: string;
    let webhook: LambdaProcess;
    let worker: LambdaProcess;

    const drain = async () => {
      while (await deliverOnce(sqs, queueUrl, worker, 10));
    };
    const requestsTo = () => {
      const repos = new Set<string>();
      for (const r of github.requests) {
        const match = /^\/repos\/acme\/([^/?]+)/.exec(r.url);
        if (match) repos.add(match[1]!);
      }
      return [...repos].sort();
    };

    beforeAll(async () => {
      [moto, github] = await Promise.all([startMoto(), createGitHubTestServer()]);
      synth = synthesiseWithBundles({
        githubAuth: 'token',
        webhookAllowedImages: [REGISTRY],
        githubEvents: true,
      });
      const client = moto.clientConfig;
      sqs = new SQSClient(client);
      const dynamo = new DynamoDBClient(client);
      documents = DynamoDBDocumentClient.from(dynamo);
      const secrets = new SecretsManagerClient(client);
      queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'queue' }))).QueueUrl!;
      await createIndexTable(dynamo, TABLE);
      const secretArn = async (Name: string, SecretString: string) =>
        (await secrets.send(new CreateSecretCommand({ Name, SecretString }))).ARN!;
      const [webhookSecretArn, githubSecretArn] = await Promise.all([
        secretArn('webhook', JSON.stringify({ distribution: REGISTRY_SECRET, github: GITHUB_SECRET })),
        secretArn('github', JSON.stringify({ token: 'test-token' })),
      ]);
      const repos = [];
      for (let i = 0; i < 6; i++) {
        const image = i === 0 ? API : WEB;
        github.createRepo('acme', `env-${i}`, {
          files: { '.image-updater.yaml': config(image), 'app.yaml': deployment(image, '1.0.0') },
        });
        repos.push({ repo: `acme/env-${i}` });
      }
      const start = (name: 'Webhook' | 'Worker', env: Record<string, string>) => {
        const { file, exportName, resource } = synth.bundle(name);
        return startLambda({
          file,
          exportName,
          env: { ...templateEnv(resource), ...moto.env, INDEX_TABLE_NAME: TABLE, ...env },
        });
      };
      [webhook, worker] = await Promise.all([
        start('Webhook', { WEBHOOK_SECRET_ID: webhookSecretArn, QUEUE_URL: queueUrl }),
        start('Worker', {
          WATCHED_REPOS: JSON.stringify(repos),
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

    it('queues a GitHub delivery once, however often it is delivered', async () => {
      const delivery = '6a1f0c2e-0000-4000-8000-000000000001';
      const first = await webhook.invoke<Response>(githubPush('acme/env-1', delivery));
      const again = await webhook.invoke<Response>(githubPush('acme/env-1', delivery));
      expect([first.result?.statusCode, again.result?.statusCode]).toEqual([202, 200]);
      expect(JSON.parse(again.result!.body)).toMatchObject({ status: 'duplicate' });
      const queued = await receiveAll(sqs, queueUrl);
      expect(queued).toHaveLength(1);
    }, 30_000);

    it('a config push re-indexes the repository in the table; with the index warm a push runs only its watchers', async () => {
      github.commitFiles('acme', 'env-1', 'main', {
        '.image-updater.yaml': config(API),
        'app.yaml': deployment(API, '1.0.0'),
      });
      await webhook.invoke<Response>(githubPush('acme/env-1', '6a1f0c2e-0000-4000-8000-000000000002'));
      await drain();
      // The first registry push also reads the repositories never indexed; the second only the watchers.
      expect((await webhook.invoke<Response>(registryPush('1.1.0'))).result?.statusCode).toBe(202);
      await drain();
      const watchers = await documents.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `image#${API}` },
        }),
      );
      expect(watchers.Items?.map((i) => i.repo as string).sort()).toEqual(['acme/env-0', 'acme/env-1']);
      github.resetLog();
      expect((await webhook.invoke<Response>(registryPush('1.2.0'))).result?.statusCode).toBe(202);
      await drain();
      expect(requestsTo()).toEqual(['env-0', 'env-1']);
      expect(github.readFile('acme', 'env-1', 'image-updater/app', 'app.yaml')).toBe(
        deployment(API, '1.2.0'),
      );
    }, 60_000);
  },
);
