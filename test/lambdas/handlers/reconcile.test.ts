import { DescribeImagesCommand, ECRClient, ECRServiceException } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EcrTagLister } from '../../../lambdas/adapters/ecr/tag-lister.ts';
import { GitHubHost } from '../../../lambdas/adapters/github/host.ts';
import type { WatchedRepo } from '../../../lambdas/handlers/env.ts';
import { createReconcile } from '../../../lambdas/handlers/reconcile.ts';
import { combineTagListers } from '../../../lambdas/adapters/registry/tag-lists.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog, recordingMetrics } from '../../support/handlers.ts';

const API = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const WEB = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web';
const GHCR = 'ghcr.io/acme/tool';

const CONFIG = `version: 1
policies:
  - name: api
    image: ${API}
    strategy: semver
    range: "<2.0.0"
    files: ["apps/api/**"]
  - name: web
    image: ${WEB}
    strategy: semver
    files: ["apps/web/**"]
  - name: tool
    image: ${GHCR}
    strategy: semver
    files: ["apps/tool/**"]
`;

const pod = (image: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: ${image}\n`;

const at = (day: number) => new Date(Date.UTC(2026, 0, day));
const TAGS: Record<string, { imageTags: string[]; imagePushedAt: Date }[]> = {
  'shop/api': [
    { imageTags: ['1.0.0'], imagePushedAt: at(1) },
    { imageTags: ['1.1.0'], imagePushedAt: at(2) },
    { imageTags: ['2.0.0'], imagePushedAt: at(3) },
    { imageTags: ['sha256-abc.sig'], imagePushedAt: at(3) },
  ],
  'shop/web': [
    { imageTags: ['3.0.0'], imagePushedAt: at(1) },
    { imageTags: ['3.0.1'], imagePushedAt: at(4) },
  ],
};

let server: GitHubTestServer;
let count = 0;
const ecr = mockClient(ECRClient);

beforeAll(async () => {
  server = await createGitHubTestServer();
});

afterAll(async () => {
  ecr.restore();
  await server.close();
});

beforeEach(() => {
  ecr.reset();
  ecr
    .on(DescribeImagesCommand)
    .callsFake((input: { repositoryName: string }) => ({ imageDetails: TAGS[input.repositoryName] ?? [] }));
  server.resetLog();
});

function envRepo(): WatchedRepo {
  count += 1;
  const name = `env-${count}`;
  server.createRepo('acme', name, {
    files: {
      '.image-updater.yaml': CONFIG,
      'apps/api/pod.yaml': pod(`${API}:1.0.0`),
      'apps/web/pod.yaml': pod(`${WEB}:3.0.0`),
      'apps/tool/pod.yaml': pod(`${GHCR}:0.1.0`),
    },
  });
  return { repo: `acme/${name}` };
}

function tokenHost(token = 'test-token', writesPerMinute = 0) {
  return new GitHubHost({ auth: { kind: 'token', token }, baseUrl: server.url, writesPerMinute, retries: 0 });
}

function reconcile(repos: WatchedRepo[], host = tokenHost()) {
  const log = recordingLog();
  const metrics = recordingMetrics();
  const lister = new EcrTagLister({
    clientFor: (region) => new ECRClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
  });
  const run = createReconcile({
    repos,
    host: async () => host,
    tagLister: combineTagListers([lister]),
    log,
    metrics,
    apply: { backoffMs: 1 },
  });
  return { run, log, metrics };
}

const pulls = (repo: WatchedRepo) => server.listPulls('acme', repo.repo.split('/')[1]!, { state: 'open' });

describe('reconcile', () => {
  it('repairs missed events: every policy goes to the greatest allowed tag in the registry', async () => {
    const repo = envRepo();
    const { run, metrics } = reconcile([repo]);

    const summary = await run({});

    expect(summary).toEqual({ repos: [{ repo: repo.repo, outcome: 'applied', wrote: true }] });
    const name = repo.repo.split('/')[1]!;
    expect(
      pulls(repo)
        .map((p) => p.headRef)
        .sort(),
    ).toEqual(['image-updater/api', 'image-updater/web']);
    expect(server.readFile('acme', name, 'image-updater/api', 'apps/api/pod.yaml')).toBe(pod(`${API}:1.1.0`));
    expect(server.readFile('acme', name, 'image-updater/web', 'apps/web/pod.yaml')).toBe(pod(`${WEB}:3.0.1`));
    expect(metrics.sum('PullRequestsOpened')).toBe(2);
    expect(metrics.published).toBe(1);
  });

  it('lists each ECR repository once per run, however many environment repositories follow it', async () => {
    const { run } = reconcile([envRepo(), envRepo(), envRepo()]);
    await run({});
    const listed = ecr.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input.repositoryName);
    expect(listed.sort()).toEqual(['shop/api', 'shop/web']);
  });

  it('writes nothing when everything is current', async () => {
    const repo = envRepo();
    await reconcile([repo]).run({});
    server.resetLog();

    const summary = await reconcile([repo]).run({});

    expect(summary.repos[0]).toMatchObject({ outcome: 'applied', wrote: false });
    expect(server.writeCount()).toBe(0);
  });

  it('goes on with the other images when one listing is throttled, and counts it', async () => {
    const repo = envRepo();
    ecr.reset();
    ecr
      .on(DescribeImagesCommand, { repositoryName: 'shop/api' })
      .rejects(
        new ECRServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
      )
      .on(DescribeImagesCommand, { repositoryName: 'shop/web' })
      .resolves({ imageDetails: TAGS['shop/web'] });
    const other = envRepo();
    const { run, log, metrics } = reconcile([repo, other]);

    await run({});

    expect(pulls(repo).map((p) => p.headRef)).toEqual(['image-updater/web']);
    expect(pulls(other).map((p) => p.headRef)).toEqual(['image-updater/web']);
    // One image could not be listed: one failure, though two repositories follow it.
    expect(metrics.sum('TagListFailures')).toBe(1);
    expect(log.entries.find((e) => e.level === 'warn')?.attributes).toMatchObject({
      image: API,
      errorCode: 'ECR_THROTTLED',
    });
  });

  it('near its timeout, starts no branch it could not finish: the rest waits for the next run', async () => {
    const repo = envRepo();
    // Its own identity and a budget of 5 writes a minute: one new PR (tree, commit, ref, PR,
    // label) spends it, and the second would have to wait a minute.
    server.addToken('reconcile-deadline', 'reconcile-bot');
    const { run, log, metrics } = reconcile([repo], tokenHost('reconcile-deadline', 5));
    const started = performance.now();

    const summary = await run({}, { getRemainingTimeInMillis: () => 20_000 } as never);

    expect(performance.now() - started).toBeLessThan(5_000);
    expect(summary.repos[0]).toMatchObject({ outcome: 'applied', wrote: true });
    expect(pulls(repo)).toHaveLength(1);
    expect(metrics.sum('Failures')).toBe(1);
    expect(log.entries.find((e) => e.level === 'error')?.attributes).toMatchObject({
      errorCode: 'GITHUB_RATE_LIMITED',
    });
  });

  it('goes on with the other repositories when one fails, and reports it', async () => {
    const good = envRepo();
    const { run, log, metrics } = reconcile([{ repo: 'acme/missing' }, good]);

    const summary = await run({});

    expect(summary.repos).toEqual([
      { repo: 'acme/missing', outcome: 'failed', error: 'GITHUB_NOT_FOUND' },
      { repo: good.repo, outcome: 'applied', wrote: true },
    ]);
    expect(metrics.sum('Failures')).toBe(1);
    expect(log.entries.find((e) => e.level === 'error')?.attributes).toMatchObject({
      repo: 'acme/missing',
      errorCode: 'GITHUB_NOT_FOUND',
    });
  });

  it('leaves images of registries without a tag lister to their push events', async () => {
    const repo = envRepo();
    const { run, log } = reconcile([repo]);
    await run({});
    expect(pulls(repo).some((p) => p.headRef === 'image-updater/tool')).toBe(false);
    expect(log.entries.some((e) => e.attributes.image === GHCR && /no tag lister/.test(e.message))).toBe(
      true,
    );
  });

  it('reports every repository as failed when the credentials cannot be read', async () => {
    const log = recordingLog();
    const metrics = recordingMetrics();
    const run = createReconcile({
      repos: [{ repo: 'acme/a' }],
      host: () => Promise.reject(Object.assign(new Error('no secret'), { name: 'SecretError' })),
      log,
      metrics,
    });
    expect(await run({})).toEqual({ repos: [{ repo: 'acme/a', outcome: 'failed', error: 'SecretError' }] });
    expect(metrics.sum('Failures')).toBe(1);
  });
});
