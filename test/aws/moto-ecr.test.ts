/**
 * ECR tag lists from moto's `DescribeImages`, read by the bundled reconcile and worker functions
 * (real AWS SDK v3 clients through AWS_ENDPOINT_URL, the GitHub token from moto's Secrets
 * Manager), proposing through the GitHub test server. moto answers one page: the adapter's
 * pagination is covered by test/lambdas/adapters/ecr. Emulator gaps: docs/aws.md.
 */
import { createHash } from 'node:crypto';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReconcileSummary } from '../../lambdas/handlers/reconcile.ts';
import { corpusEvent } from '../support/corpus.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { synthesiseWithBundles, type Synthesised } from './support/bundles.ts';
import { startLambda, type LambdaProcess } from './support/lambda-process.ts';
import { MOTO_ACCOUNT, MOTO_REGION, startMoto, type Moto } from './support/moto.ts';
import { templateEnv } from './support/queue.ts';
import { describeWithTools, probe } from './support/tools.ts';

const MOTO = probe('moto_server', 'moto_server', ['--help']);
const REGISTRY = `${MOTO_ACCOUNT}.dkr.ecr.${MOTO_REGION}.amazonaws.com`;
const API = `${REGISTRY}/shop/api`;
const WEB = `${REGISTRY}/shop/web`;

/** A distinct image per tag: moto derives the digest from the layer digests. */
function manifest(tag: string): string {
  const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7, digest: sha(`c-${tag}`) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 7, digest: sha(tag) }],
  });
}

describeWithTools(
  'AWS tier: ECR DescribeImages on moto_server',
  [MOTO],
  "pip install 'moto[server]==5.2.1'",
  () => {
    let moto: Moto;
    let synth: Synthesised;
    let github: GitHubTestServer;
    let ecr: ECRClient;
    let env: Record<string, string>;
    const started: LambdaProcess[] = [];

    const start = async (name: 'Worker' | 'Reconcile', repos: readonly string[]) => {
      const { file, exportName, resource } = synth.bundle(name);
      const fn = await startLambda({
        file,
        exportName,
        env: {
          ...templateEnv(resource),
          ...env,
          WATCHED_REPOS: JSON.stringify(repos.map((repo) => ({ repo }))),
        },
      });
      started.push(fn);
      return fn;
    };
    const push = async (repositoryName: string, tag: string) => {
      const { image } = await ecr.send(
        new PutImageCommand({ repositoryName, imageTag: tag, imageManifest: manifest(tag) }),
      );
      return image!.imageId!.imageDigest!;
    };
    /** The push time ECR reports (whole seconds on moto). */
    const pushedAt = async (repositoryName: string, tag: string): Promise<Date> => {
      const { imageDetails } = await ecr.send(
        new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: tag }] }),
      );
      return imageDetails![0]!.imagePushedAt!;
    };
    /** The next push gets a later push time than `tag`'s, as `newest` needs to tell them apart. */
    const nextSecond = async (repositoryName: string, tag: string) => {
      const after = (await pushedAt(repositoryName, tag)).getTime() + 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, after - Date.now() + 20)));
    };

    beforeAll(async () => {
      [moto, github] = await Promise.all([startMoto(), createGitHubTestServer()]);
      synth = synthesiseWithBundles({ githubAuth: 'token', ecrRepositoryPrefixes: ['shop/'] });
      const client = moto.clientConfig;
      ecr = new ECRClient(client);
      const secrets = new SecretsManagerClient(client);
      const { ARN } = await secrets.send(
        new CreateSecretCommand({ Name: 'github', SecretString: JSON.stringify({ token: 'test-token' }) }),
      );
      env = { ...moto.env, GITHUB_SECRET_ID: ARN!, GITHUB_API_URL: github.url };
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'shop/api' }));
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'shop/web' }));

      github.createRepo('acme', 'api', {
        files: {
          '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${API}\n    strategy: semver\n    range: "^1.0.0"\n    files: ["apps/**"]\n`,
          'apps/deployment.yaml': `spec:\n  containers:\n    - image: ${API}:1.0.0\n`,
        },
      });
      github.createRepo('acme', 'web', {
        files: {
          '.image-updater.yaml': `version: 1\npolicies:\n  - name: web\n    image: ${WEB}\n    strategy: newest\n    tags:\n      pattern: "^main-"\n    files: ["apps/**"]\n`,
          'apps/deployment.yaml': `spec:\n  containers:\n    - image: ${WEB}:main-7f3e\n`,
        },
      });
    }, 120_000);

    afterAll(async () => {
      await Promise.all(started.map((fn) => fn.stop()));
      await Promise.all([moto?.stop(), github?.close()]);
      synth?.remove();
    });

    it('the scheduled reconcile lists the repository in ECR and proposes the greatest tag the range allows', async () => {
      for (const tag of ['1.0.0', '1.1.0', '1.2.0-rc.1', '2.0.0', 'latest']) await push('shop/api', tag);
      const reconcile = await start('Reconcile', ['acme/api']);
      const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

      const { result, error } = await reconcile.invoke<ReconcileSummary>(scheduled);

      expect(error).toBeUndefined();
      expect(result!.repos).toEqual([expect.objectContaining({ repo: 'acme/api', wrote: true })]);
      const pulls = github.listPulls('acme', 'api', { state: 'open' });
      expect(pulls).toHaveLength(1);
      expect(github.readFile('acme', 'api', pulls[0]!.headRef, 'apps/deployment.yaml')).toContain(
        `${API}:1.1.0\n`,
      );
    }, 30_000);

    it('a push to a newest policy is decided by the push times ECR lists: the newest main- tag, not the greatest name', async () => {
      await push('shop/web', 'main-7f3e');
      await nextSecond('shop/web', 'main-7f3e');
      const digest = await push('shop/web', 'main-1c2d');
      await nextSecond('shop/web', 'main-1c2d');
      // Newer still, but outside the policy's pattern.
      await push('shop/web', 'pr-42-9a8b');
      const worker = await start('Worker', ['acme/web']);
      const sample = corpusEvent('ecr-image-action-push.json') as { detail: object };
      const event = {
        ...sample,
        account: MOTO_ACCOUNT,
        region: MOTO_REGION,
        time: (await pushedAt('shop/web', 'main-1c2d')).toISOString(),
        detail: {
          ...sample.detail,
          'repository-name': 'shop/web',
          'image-tag': 'main-1c2d',
          'image-digest': digest,
        },
      };
      const record = {
        messageId: 'm-1',
        receiptHandle: 'r-1',
        body: JSON.stringify(event),
        attributes: { ApproximateReceiveCount: '1' } as never,
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${MOTO_REGION}:${MOTO_ACCOUNT}:queue`,
        awsRegion: MOTO_REGION,
      };

      const { result, error } = await worker.invoke<SQSBatchResponse>({ Records: [record] });

      expect(error).toBeUndefined();
      expect(result).toEqual({ batchItemFailures: [] });
      const pulls = github.listPulls('acme', 'web', { state: 'open' });
      expect(pulls).toHaveLength(1);
      expect(github.readFile('acme', 'web', pulls[0]!.headRef, 'apps/deployment.yaml')).toContain(
        `${WEB}:main-1c2d\n`,
      );
    }, 30_000);
  },
);
