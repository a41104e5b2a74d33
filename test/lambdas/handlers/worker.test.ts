import { DescribeImagesCommand, ECRClient, ECRServiceException } from '@aws-sdk/client-ecr';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EcrTagLister } from '../../../lambdas/adapters/ecr/tag-lister.ts';
import { GitHubHost } from '../../../lambdas/adapters/github/host.ts';
import { SecretError } from '../../../lambdas/adapters/secrets/errors.ts';
import { GitHubCredentialsSource } from '../../../lambdas/adapters/secrets/github-credentials.ts';
import type { WatchedRepo } from '../../../lambdas/handlers/env.ts';
import { encodePushMessage } from '../../../lambdas/adapters/sqs/messages.ts';
import { hostProvider } from '../../../lambdas/handlers/runtime.ts';
import { createWorker, type WorkerDeps } from '../../../lambdas/handlers/worker.ts';
import { corpusEvent, corpusEventText } from '../../support/corpus.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog, recordingMetrics, sqsEvent, sqsRecord } from '../../support/handlers.ts';

const IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name';
const OTHER_IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/other';
const PUSH_SAMPLE = corpusEvent('ecr-image-action-push.json');

/** The documentation's push sample with another tag, repository or event id. */
function ecrPush(tag: string, options: { repository?: string; id?: string; time?: string } = {}): string {
  return JSON.stringify({
    ...PUSH_SAMPLE,
    ...(options.id ? { id: options.id } : {}),
    ...(options.time ? { time: options.time } : {}),
    detail: {
      ...(PUSH_SAMPLE.detail as object),
      'image-tag': tag,
      ...(options.repository ? { 'repository-name': options.repository } : {}),
    },
  });
}

function config(policies: string): string {
  return `version: 1\npolicies:\n${policies}`;
}

const API_POLICY = `  - name: api\n    image: ${IMAGE}\n    strategy: semver\n    files: ["apps/api/**"]\n`;
const OTHER_POLICY = `  - name: other\n    image: ${OTHER_IMAGE}\n    strategy: semver\n    files: ["apps/other/**"]\n`;

function deployment(image: string, tag: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: app',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: app',
    `          image: ${image}:${tag}`,
    '',
  ].join('\n');
}

let server: GitHubTestServer;
let repoCount = 0;

beforeAll(async () => {
  // One server for the whole file, as one GitHub: its tests' writes together would pass the
  // documented 80 a minute, which the tests of that limit exercise elsewhere.
  server = await createGitHubTestServer({ rateLimit: { secondary: { perMinute: 1_000, perHour: 10_000 } } });
});

afterAll(async () => {
  await server.close();
});

/** A fresh environment repository: the API at 1.0.0, the other image at 1.0.0. */
function envRepo(policies = API_POLICY + OTHER_POLICY): WatchedRepo {
  repoCount += 1;
  const name = `gitops-${repoCount}`;
  server.createRepo('acme', name, {
    files: {
      '.image-updater.yaml': config(policies),
      'apps/api/deployment.yaml': deployment(IMAGE, '1.0.0'),
      'apps/other/deployment.yaml': deployment(OTHER_IMAGE, '1.0.0'),
    },
  });
  return { repo: `acme/${name}` };
}

function tokenHost(token = 'test-token', writesPerMinute = 0) {
  return new GitHubHost({
    auth: { kind: 'token', token },
    baseUrl: server.url,
    writesPerMinute,
    retries: 0,
    retryAfterBaseMs: 1,
  });
}

function worker(repos: WatchedRepo[], overrides: Partial<WorkerDeps> = {}) {
  const log = recordingLog();
  const metrics = recordingMetrics();
  const host = tokenHost();
  const handler = createWorker({
    repos,
    host: async () => host,
    log,
    metrics,
    apply: { backoffMs: 1 },
    ...overrides,
  });
  return { handler, log, metrics };
}

const nameOf = (repo: WatchedRepo) => repo.repo.split('/')[1]!;
const openPulls = (repo: WatchedRepo) => server.listPulls('acme', nameOf(repo), { state: 'open' });

beforeEach(() => {
  server.resetLog();
});

describe('worker: ECR event in an SQS record → pull request', () => {
  it('opens the PR on GitHub, acknowledges the record, logs with the event id and measures push → PR latency', async () => {
    const repo = envRepo();
    const { handler, log, metrics } = worker([repo], { now: () => Date.parse('2019-11-16T01:54:36Z') });
    const record = sqsRecord(ecrPush('1.1.0'));

    const response = await handler(sqsEvent(record));

    expect(response).toEqual({ batchItemFailures: [] });
    const pulls = openPulls(repo);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.headRef).toBe('image-updater/api');
    expect(server.readFile('acme', nameOf(repo), pulls[0]!.headRef, 'apps/api/deployment.yaml')).toBe(
      deployment(IMAGE, '1.1.0'),
    );
    expect(server.readFile('acme', nameOf(repo), 'main', 'apps/api/deployment.yaml')).toBe(
      deployment(IMAGE, '1.0.0'),
    );
    expect(metrics.sum('PullRequestsOpened')).toBe(1);
    expect(metrics.sum('UpdatesProposed')).toBe(1);
    expect(metrics.values('PushToPullRequestLatency')).toEqual([2000]);
    expect(metrics.published).toBe(1);
    const received = log.entries.find((e) => e.message === 'push received');
    expect(received?.attributes).toMatchObject({
      correlation_id: '13cde686-328b-6117-af20-0e5566167482',
      image: IMAGE,
      tag: '1.1.0',
    });
    const processed = log.entries.find((e) => e.message === 'repository processed');
    expect(processed?.attributes).toMatchObject({
      repo: repo.repo,
      outcome: 'applied',
      correlation_ids: ['13cde686-328b-6117-af20-0e5566167482'],
    });
    server.assertNoViolations();
  });

  it('stays within SPEC §10’s budget for one policy and one file on a warm worker: ≤ 7 round trips, ≤ 12 requests', async () => {
    const repo = envRepo(API_POLICY);
    const { handler } = worker([repo]);
    // A warm instance has seen the repository before (its default branch and config issue
    // state are cached); the documented `latest` push changes nothing.
    await handler(sqsEvent(sqsRecord(corpusEventText('ecr-image-action-push.json'))));
    server.resetLog();
    // Far above a loaded machine's scheduling jitter, which can split one wave of requests in two.
    server.latencyMs = 250;
    try {
      await handler(sqsEvent(sqsRecord(ecrPush('1.1.0'))));
    } finally {
      server.latencyMs = 0;
    }
    expect(openPulls(repo)).toHaveLength(1);
    expect(server.roundTrips()).toBeLessThanOrEqual(7);
    expect(server.requestCount()).toBeLessThanOrEqual(12);
  });

  it('a duplicate event changes nothing and writes nothing', async () => {
    const repo = envRepo();
    const { handler } = worker([repo]);
    await handler(sqsEvent(sqsRecord(ecrPush('1.1.0'))));
    server.resetLog();

    const response = await handler(sqsEvent(sqsRecord(ecrPush('1.1.0'))));

    expect(response.batchItemFailures).toEqual([]);
    expect(server.writeCount()).toBe(0);
    expect(openPulls(repo)).toHaveLength(1);
  });

  it('coalesces a batch: several pushes of one image make one commit with the highest allowed tag', async () => {
    const repo = envRepo();
    const { handler } = worker([repo]);
    const records = ['1.1.0', '1.3.0', '1.2.0', '1.3.0'].map((tag, i) =>
      sqsRecord(ecrPush(tag, { id: `event-${i}` })),
    );

    const response = await handler(sqsEvent(...records));

    expect(response.batchItemFailures).toEqual([]);
    const pulls = openPulls(repo);
    expect(pulls).toHaveLength(1);
    expect(server.readFile('acme', nameOf(repo), pulls[0]!.headRef, 'apps/api/deployment.yaml')).toBe(
      deployment(IMAGE, '1.3.0'),
    );
    expect(server.writeCount({ operationId: 'git/create-commit' })).toBe(1);
  });

  it('reads each repository once per batch and updates every repository that watches the image', async () => {
    const a = envRepo();
    const b = envRepo(API_POLICY);
    const c = envRepo(OTHER_POLICY);
    const { handler } = worker([a, b, c]);

    await handler(
      sqsEvent(sqsRecord(ecrPush('1.1.0')), sqsRecord(ecrPush('2.0.0', { repository: 'other' }))),
    );

    expect(
      openPulls(a)
        .map((p) => p.headRef)
        .sort(),
    ).toEqual(['image-updater/api', 'image-updater/other']);
    expect(openPulls(b).map((p) => p.headRef)).toEqual(['image-updater/api']);
    expect(openPulls(c).map((p) => p.headRef)).toEqual(['image-updater/other']);
    for (const repo of [a, b, c]) {
      const configReads = server.requests.filter(
        (r) => r.operationId === 'repos/get-content' && r.url.includes(`/repos/${repo.repo}/contents/`),
      );
      expect(configReads).toHaveLength(1);
    }
  });

  it('accepts a push already normalised by another entry point (webhook message)', async () => {
    const repo = envRepo();
    const { handler, log } = worker([repo]);
    const body = encodePushMessage(
      { image: IMAGE, tag: '1.4.0', pushedAt: new Date('2026-01-01T00:00:00Z') },
      'distribution',
      'delivery-7',
    );

    expect(await handler(sqsEvent(sqsRecord(body)))).toEqual({ batchItemFailures: [] });
    expect(server.readFile('acme', nameOf(repo), 'image-updater/api', 'apps/api/deployment.yaml')).toBe(
      deployment(IMAGE, '1.4.0'),
    );
    expect(log.entries.find((e) => e.message === 'push received')?.attributes).toMatchObject({
      correlation_id: 'delivery-7',
      source: 'distribution',
    });
  });
});

describe('worker: events that are not pushes to act on', () => {
  it('acknowledges the documentation samples (delete, scan), an untagged push and malformed JSON, counting each, writing nothing', async () => {
    const repo = envRepo();
    const { handler, log, metrics } = worker([repo]);
    const untagged = JSON.stringify({
      ...PUSH_SAMPLE,
      detail: { ...(PUSH_SAMPLE.detail as object), 'image-tag': '' },
    });
    const records = [
      sqsRecord(corpusEventText('ecr-image-action-delete.json')),
      sqsRecord(corpusEventText('ecr-image-scan.json')),
      sqsRecord(untagged),
      sqsRecord('{"version": "0", "id": '),
      sqsRecord(corpusEventText('ecr-image-action-push.json')),
    ];

    const response = await handler(sqsEvent(...records));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(metrics.sum('EventsReceived')).toBe(5);
    expect(metrics.sum('EventsIgnored')).toBe(3);
    expect(metrics.sum('EventsMalformed')).toBe(1);
    // The documented push is tagged `latest`, which a semver policy cannot order: no PR.
    expect(metrics.sum('Pushes')).toBe(1);
    expect(openPulls(repo)).toEqual([]);
    // One write: the dashboard, where `latest` changes nothing: the repository is up to date.
    expect(server.writeCount()).toBe(1);
    const [issue] = server.listIssues(repo.repo.split('/')[0]!, repo.repo.split('/')[1]!, { state: 'all' });
    expect(issue).toMatchObject({ title: 'image-updater dashboard' });
    expect(issue?.body).toMatch(/\| `1\.0\.0` \| `1\.0\.0` \| `1\.0\.0` \| up to date \|/);
    const reasons = log.entries.filter((e) => e.message === 'event ignored').map((e) => e.attributes.reason);
    expect(reasons).toEqual(['not-a-push', 'other-event', 'untagged']);
    const malformed = log.entries.find((e) => e.message === 'malformed message acknowledged');
    expect(malformed?.level).toBe('error');
    expect(malformed?.attributes).toMatchObject({
      reason: 'body is not JSON',
      correlation_id: records[3]!.messageId,
    });
  });

  it('does not read GitHub at all for a batch without a push', async () => {
    const repo = envRepo();
    const { handler } = worker([repo]);
    await handler(
      sqsEvent(sqsRecord(corpusEventText('ecr-image-action-delete.json')), sqsRecord('not json')),
    );
    expect(server.requestCount()).toBe(0);
  });
});

/** What a batch whose every record failed retryably ends in: the invocation fails (the error alarm). */
const WHOLE_BATCH_RETURNED = { code: 'BATCH_FAILED', retryable: true };

describe('worker: failures', () => {
  it.each([
    ['GitHub unavailable (502 on every read)', 502],
    ['GitHub rate limiting (429)', 429],
  ])('fails the invocation when every record of the batch failed retryably: %s', async (_, status) => {
    const repo = envRepo();
    server.addFault({ match: { repo: repo.repo }, times: Infinity, respond: { status } });
    const { handler, metrics } = worker([repo]);
    const records = [
      sqsRecord(ecrPush('1.1.0')),
      sqsRecord(ecrPush('1.1.0', { repository: 'other', id: 'b' })),
    ];

    const failure = await handler(sqsEvent(...records)).catch((error: unknown) => error);

    expect(failure).toMatchObject({ ...WHOLE_BATCH_RETURNED, records: 2 });
    expect((failure as Error).cause).toMatchObject({ retryable: true });
    // The metrics of the failed invocation are still published.
    expect(metrics.sum('RecordsRetried')).toBe(2);
    expect(openPulls(repo)).toEqual([]);
  });

  it('returns exactly the records of the repository whose work failed with a retryable error', async () => {
    const healthy = envRepo(API_POLICY);
    const failing = envRepo(OTHER_POLICY);
    server.addFault({
      match: { repo: failing.repo, operationId: 'git/create-tree' },
      times: Infinity,
      respond: { status: 502 },
    });
    const { handler, log, metrics } = worker([healthy, failing]);
    const api = sqsRecord(ecrPush('1.1.0'));
    const other = sqsRecord(ecrPush('1.1.0', { repository: 'other', id: 'other-event' }));
    const ignored = sqsRecord(corpusEventText('ecr-image-action-delete.json'));

    const response = await handler(sqsEvent(api, other, ignored));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: other.messageId }] });
    expect(openPulls(healthy)).toHaveLength(1);
    expect(openPulls(failing)).toEqual([]);
    expect(metrics.sum('RecordsRetried')).toBe(1);
    const warning = log.entries.find((e) => e.level === 'warn' && e.attributes.repo === failing.repo);
    expect(warning?.attributes).toMatchObject({
      errorCode: 'GITHUB_SERVER_ERROR',
      retryable: true,
      correlation_ids: ['other-event'],
    });
  });

  it('returns only the records of the branch/PR unit that failed: the other units of that repository are done', async () => {
    const repo = envRepo(); // api and other: two policies, two PR units
    server.addFault({
      match: {
        repo: repo.repo,
        operationId: 'pulls/create',
        when: (r) => (r.body as { head?: string }).head === 'image-updater/other',
      },
      times: Infinity,
      respond: { status: 502 },
    });
    // An identity of its own: this file's other writes must not spend its secondary-limit minute.
    server.addToken('units-token', 'units-bot');
    const { handler, log } = worker([repo], { host: async () => tokenHost('units-token') });
    const api = sqsRecord(ecrPush('1.1.0'));
    const other = sqsRecord(ecrPush('1.1.0', { repository: 'other', id: 'other-event' }));

    const response = await handler(sqsEvent(api, other));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: other.messageId }] });
    expect(openPulls(repo).map((p) => p.headRef)).toEqual(['image-updater/api']);
    const warning = log.entries.find(
      (e) => e.level === 'warn' && e.attributes.branch === 'image-updater/other',
    );
    expect(warning?.attributes).toMatchObject({
      errorCode: 'GITHUB_SERVER_ERROR',
      correlation_ids: ['other-event'],
    });
  });

  it('near the function timeout, writes that would wait for the budget are refused and their records returned', async () => {
    const repo = envRepo();
    server.addToken('deadline-token', 'deadline-bot');
    const host = tokenHost('deadline-token', 7);
    const { handler } = worker([repo], { host: async () => host });
    const first = sqsRecord(ecrPush('1.1.0'));
    const context = (ms: number) => ({ getRemainingTimeInMillis: () => ms }) as never;
    expect(await handler(sqsEvent(first), context(120_000))).toEqual({ batchItemFailures: [] });
    // The minute's seven writes (the PR's six set aside, the dashboard's one) are spent; 45 s before the timeout (15 s margin), the next unit
    // would wait ~60 s: it is refused at once instead of being cut off by the timeout. (Its
    // deadline is past the test's own timeout: waiting for it would fail the test.)
    const second = sqsRecord(ecrPush('1.1.0', { repository: 'other', id: 'late' }));
    await expect(handler(sqsEvent(second), context(45_000))).rejects.toMatchObject(WHOLE_BATCH_RETURNED);
    expect(openPulls(repo).map((p) => p.headRef)).toEqual(['image-updater/api']);
  });

  it('the returned record succeeds when it comes back', async () => {
    const repo = envRepo(API_POLICY);
    const fault = server.addFault({
      match: { repo: repo.repo, operationId: 'pulls/create' },
      times: 1,
      respond: { status: 503 },
    });
    const { handler } = worker([repo]);
    const record = sqsRecord(ecrPush('1.1.0'));

    await expect(handler(sqsEvent(record))).rejects.toMatchObject(WHOLE_BATCH_RETURNED);
    expect(fault.fired).toBe(1);
    expect(
      await handler(
        sqsEvent({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }),
      ),
    ).toEqual({ batchItemFailures: [] });
    expect(openPulls(repo)).toHaveLength(1);
  });

  it('logs a failure retrying cannot fix with its reason and acknowledges the records', async () => {
    const missing: WatchedRepo = { repo: 'acme/does-not-exist' };
    const { handler, log, metrics } = worker([missing]);

    const response = await handler(sqsEvent(sqsRecord(ecrPush('1.1.0'))));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(metrics.sum('RecordsDropped')).toBe(1);
    const error = log.entries.find((e) => e.level === 'error');
    expect(error?.attributes).toMatchObject({
      repo: 'acme/does-not-exist',
      errorCode: 'GITHUB_NOT_FOUND',
      retryable: false,
    });
  });

  it('keeps every push in the queue while the GitHub credentials cannot be read, and acknowledges the rest', async () => {
    const repo = envRepo();
    const { handler, log } = worker([repo], {
      host: () =>
        Promise.reject(new SecretError('SECRET_NOT_CONFIGURED', 'secret prod/github has an empty "token"')),
    });
    const push = sqsRecord(ecrPush('1.1.0'));
    const ignored = sqsRecord(corpusEventText('ecr-image-scan.json'));

    expect(await handler(sqsEvent(push, ignored))).toEqual({
      batchItemFailures: [{ itemIdentifier: push.messageId }],
    });
    expect(log.entries.find((e) => e.level === 'warn')?.attributes).toMatchObject({
      step: 'github-credentials',
      errorCode: 'SECRET_NOT_CONFIGURED',
    });
  });

  it('after GitHub rejects the token, the next batch reads the secret again instead of waiting for the cache to expire', async () => {
    const repo = envRepo(API_POLICY);
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ token: 'ghp_revoked' }) })
      .resolves({ SecretString: JSON.stringify({ token: 'test-token' }) });
    const credentials = new GitHubCredentialsSource({
      client: new SecretsManagerClient({ region: 'us-west-2' }),
      secretId: 'prod/github',
      kind: 'token',
      maxAgeSeconds: 3600,
    });
    const host = hostProvider(
      () => credentials.get(),
      (auth) =>
        new GitHubHost({ auth, baseUrl: server.url, writesPerMinute: 0, retries: 0, retryAfterBaseMs: 1 }),
    );
    const { handler, log } = worker([repo], { host, credentialsRejected: () => credentials.invalidate() });
    const record = sqsRecord(ecrPush('1.1.0'));

    await expect(handler(sqsEvent(record))).rejects.toMatchObject(WHOLE_BATCH_RETURNED);
    expect(log.text()).not.toContain('ghp_revoked');
    expect(await handler(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    expect(openPulls(repo)).toHaveLength(1);
    sm.restore();
  });
});

describe('worker: a newest policy lists the registry’s tags', () => {
  const ecr = mockClient(ECRClient);
  const NEWEST = `  - name: nightly\n    image: ${IMAGE}\n    strategy: newest\n    files: ["apps/api/**"]\n`;
  const lister = () =>
    new EcrTagLister({
      clientFor: (region) =>
        new ECRClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    });

  beforeEach(() => ecr.reset());
  afterAll(() => ecr.restore());

  it('does not move back to an older push delivered late', async () => {
    const repo = envRepo(NEWEST);
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageTags: ['1.0.0'], imagePushedAt: new Date('2026-03-01T00:00:00Z') },
        { imageTags: ['build-7'], imagePushedAt: new Date('2026-02-01T00:00:00Z') },
      ],
    });
    const { handler } = worker([repo], { tagLister: lister() });

    await handler(sqsEvent(sqsRecord(ecrPush('build-7', { time: '2026-02-01T00:00:00Z' }))));

    expect(openPulls(repo)).toEqual([]);
  });

  it('moves to a push newer than what the files name', async () => {
    const repo = envRepo(NEWEST);
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageTags: ['1.0.0'], imagePushedAt: new Date('2026-03-01T00:00:00Z') },
        { imageTags: ['build-9'], imagePushedAt: new Date('2026-03-02T00:00:00Z') },
      ],
    });
    const { handler } = worker([repo], { tagLister: lister() });

    await handler(sqsEvent(sqsRecord(ecrPush('build-9', { time: '2026-03-02T00:00:00Z' }))));

    expect(server.readFile('acme', nameOf(repo), 'image-updater/nightly', 'apps/api/deployment.yaml')).toBe(
      deployment(IMAGE, 'build-9'),
    );
  });

  it('returns the record when ECR throttles the listing', async () => {
    const repo = envRepo(NEWEST);
    ecr.on(DescribeImagesCommand).rejects(
      new ECRServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const { handler, log } = worker([repo], { tagLister: lister() });
    const record = sqsRecord(ecrPush('build-9', { time: '2026-03-02T00:00:00Z' }));

    await expect(handler(sqsEvent(record))).rejects.toMatchObject(WHOLE_BATCH_RETURNED);
    expect(log.entries.find((e) => e.level === 'warn')?.attributes).toMatchObject({
      errorCode: 'ECR_THROTTLED',
    });
    expect(server.writeCount()).toBe(0);
  });

  it('lists nothing for a semver policy', async () => {
    const repo = envRepo(API_POLICY);
    const { handler } = worker([repo], { tagLister: lister() });
    await handler(sqsEvent(sqsRecord(ecrPush('1.1.0'))));
    expect(ecr.commandCalls(DescribeImagesCommand)).toHaveLength(0);
    expect(openPulls(repo)).toHaveLength(1);
  });
});
