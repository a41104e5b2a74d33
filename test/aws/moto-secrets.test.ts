/**
 * The GitHub credentials from moto's Secrets Manager, read by the bundled worker of a stack with
 * `githubAuth: 'app'`: a GitHub App secret (an RSA key made here; the GitHub test server
 * verifies the App's JWTs) opens the PR as the App; the template's placeholder and a missing
 * secret fail with an error naming the fix, the record goes back to the queue and nothing is
 * written. The token secret is read in moto-ecr.test.ts and moto-webhook.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GITHUB_SECRET_PLACEHOLDER } from '../../lib/image-updater.ts';
import { corpusEvent } from '../support/corpus.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { synthesiseWithBundles, type Synthesised } from './support/bundles.ts';
import { startLambda, type LambdaProcess } from './support/lambda-process.ts';
import { MOTO_ACCOUNT, MOTO_REGION, startMoto, type Moto } from './support/moto.ts';
import { deliverOnce, jsonLogs, receiveAll, templateEnv } from './support/queue.ts';
import { describeWithTools, probe } from './support/tools.ts';

const MOTO = probe('moto_server', 'moto_server', ['--help']);
const IMAGE = `${MOTO_ACCOUNT}.dkr.ecr.${MOTO_REGION}.amazonaws.com/shop/api`;
const APP_ID = 4242;
const APP_SLUG = 'image-updater-test';

describeWithTools(
  'AWS tier: Secrets Manager on moto_server',
  [MOTO],
  "pip install 'moto[server]==5.2.1'",
  () => {
    let moto: Moto;
    let synth: Synthesised;
    let github: GitHubTestServer;
    let sqs: SQSClient;
    let secrets: SecretsManagerClient;
    let queues = 0;
    const started: LambdaProcess[] = [];

    /** The bundled worker reading its GitHub credentials from `secretId`, for one repository. */
    const startWorker = async (secretId: string, repo: string) => {
      const { file, exportName, resource } = synth.bundle('Worker');
      const worker = await startLambda({
        file,
        exportName,
        env: {
          ...templateEnv(resource),
          ...moto.env,
          WATCHED_REPOS: JSON.stringify([{ repo }]),
          GITHUB_SECRET_ID: secretId,
          GITHUB_API_URL: github.url,
        },
      });
      started.push(worker);
      return worker;
    };
    const createSecret = async (name: string, value: string) =>
      (await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN!;
    /** A fresh queue holding one ECR push of `IMAGE:1.1.0`, as the rule delivers it. */
    const queueWithPush = async () => {
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `queue-${++queues}` }))).QueueUrl!;
      const sample = corpusEvent('ecr-image-action-push.json') as { detail: object };
      const event = {
        ...sample,
        account: MOTO_ACCOUNT,
        region: MOTO_REGION,
        detail: { ...sample.detail, 'repository-name': 'shop/api', 'image-tag': '1.1.0' },
      };
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
      return queueUrl;
    };
    const gitops = (name: string) =>
      github.createRepo('acme', name, {
        files: {
          '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n    strategy: semver\n    files: ["apps/**"]\n`,
          'apps/deployment.yaml': `spec:\n  containers:\n    - image: ${IMAGE}:1.0.0\n`,
        },
      });

    beforeAll(async () => {
      [moto, github] = await Promise.all([startMoto(), createGitHubTestServer()]);
      synth = synthesiseWithBundles({ githubAuth: 'app', ecrRepositoryPrefixes: ['shop/'] });
      const client = moto.clientConfig;
      sqs = new SQSClient(client);
      secrets = new SecretsManagerClient(client);
    }, 120_000);

    afterAll(async () => {
      await Promise.all(started.map((fn) => fn.stop()));
      await Promise.all([moto?.stop(), github?.close()]);
      synth?.remove();
    });

    it('a GitHub App secret: the worker signs in as the App and the App opens the PR', async () => {
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      github.configureApp({ appId: APP_ID, slug: APP_SLUG, privateKeyPem: privateKey, installationId: 7 });
      gitops('app');
      // As a user pastes it: the id as a string, the key's line breaks escaped.
      const secretArn = await createSecret(
        'github-app',
        JSON.stringify({ appId: String(APP_ID), privateKey: privateKey.replace(/\n/g, '\\n') }),
      );
      const queueUrl = await queueWithPush();
      const worker = await startWorker(secretArn, 'acme/app');

      expect(await deliverOnce(sqs, queueUrl, worker)).toEqual({ records: 1, failed: 0 });

      const pulls = github.listPulls('acme', 'app', { state: 'open' });
      expect(pulls.map((p) => p.author)).toEqual([`${APP_SLUG}[bot]`]);
      expect(github.readFile('acme', 'app', pulls[0]!.headRef, 'apps/deployment.yaml')).toContain(
        `${IMAGE}:1.1.0\n`,
      );
      expect(await receiveAll(sqs, queueUrl)).toEqual([]);
    }, 30_000);

    it.each([
      {
        secret: 'the template’s placeholder',
        create: () => createSecret('github-placeholder', GITHUB_SECRET_PLACEHOLDER),
        code: 'SECRET_NOT_CONFIGURED',
        says: /has an empty "appId" or "privateKey"; put the GitHub App's id and private key in it/,
      },
      {
        secret: 'a missing secret',
        create: () =>
          Promise.resolve(`arn:aws:secretsmanager:${MOTO_REGION}:${MOTO_ACCOUNT}:secret:deleted-AbCdEf`),
        code: 'SECRET_NOT_FOUND',
        says: /GetSecretValue arn:aws:secretsmanager:.*:secret:deleted-AbCdEf: ResourceNotFoundException/,
      },
    ])(
      '$secret: a retryable $code saying what is wrong, the record back on the queue, nothing written',
      async ({ create, code, says }) => {
        const repo = code.toLowerCase().replace(/_/g, '-');
        gitops(repo);
        const queueUrl = await queueWithPush();
        const worker = await startWorker(await create(), `acme/${repo}`);
        const writes = github.writeCount();

        // Every record failed: the invocation fails, so the function's error alarm fires.
        expect(await deliverOnce(sqs, queueUrl, worker)).toEqual({
          records: 1,
          failed: 1,
          error: 'BATCH_FAILED',
        });

        const failure = jsonLogs(worker.logs()).find((l) => l.errorCode === code);
        expect(failure).toMatchObject({
          level: 'WARN',
          message: 'failed; the events return to the queue',
          retryable: true,
          records: 1,
        });
        expect(String(failure!.errorMessage)).toMatch(says);
        const back = await receiveAll(sqs, queueUrl);
        expect(back.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2']);
        expect(github.writeCount()).toBe(writes);
        expect(github.listPulls('acme', repo, { state: 'all' })).toEqual([]);
        expect(github.branches('acme', repo)).toEqual(['main']);
      },
      30_000,
    );
  },
);
