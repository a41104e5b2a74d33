/**
 * `minimumReleaseAge` through the worker: an ECR push younger than its age opens no PR, writes
 * the dashboard once (held, until when), asks for a wake-up, and the wake-up's message opens the
 * PR; a duplicate of the held push writes nothing. GitHub is the test server, over HTTP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../../lambdas/adapters/github/host.ts';
import { encodePushMessage } from '../../../lambdas/adapters/sqs/messages.ts';
import type { PushedImage } from '../../../lambdas/core/push.ts';
import type { WatchedRepo } from '../../../lambdas/handlers/env.ts';
import { createWorker } from '../../../lambdas/handlers/worker.ts';
import { DelayedWorkError, type DelayedWork } from '../../../lambdas/ports/delayed-work.ts';
import { corpusEvent } from '../../support/corpus.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog, recordingMetrics, sqsEvent, sqsRecord } from '../../support/handlers.ts';

const IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name';
const SAMPLE = corpusEvent('ecr-image-action-push.json');
const PUSHED = '2019-11-16T01:54:34Z';
const H = 3_600_000;

const ecrPush = (tag: string) =>
  JSON.stringify({ ...SAMPLE, detail: { ...(SAMPLE.detail as object), 'image-tag': tag } });

let server: GitHubTestServer;
let count = 0;
beforeAll(async () => {
  server = await createGitHubTestServer();
});
afterAll(async () => server.close());
beforeEach(() => server.resetLog());

function envRepo(age: string | undefined): WatchedRepo {
  count += 1;
  server.createRepo('acme', `gitops-${count}`, {
    files: {
      '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n${age ? `    minimumReleaseAge: ${age}\n` : ''}`,
      'values.yaml': `image:\n  repository: ${IMAGE}\n  tag: 1.0.0\n`,
    },
  });
  return { repo: `acme/gitops-${count}` };
}

/** A DelayedWork that keeps what it was asked, as Scheduler would keep its schedules (by name). */
function wakeUps(fail = false) {
  const asked: { due: Date; push: PushedImage }[] = [];
  const work: DelayedWork = {
    async scheduleAt(due, push) {
      if (fail) throw new DelayedWorkError('SCHEDULE_FAILED', 'throttled');
      asked.push({ due, push });
    },
    async scheduleRepoRun() {
      throw new Error('no promotion here');
    },
  };
  return { work, asked };
}

function worker(repo: WatchedRepo, delayedWork: DelayedWork, at: number) {
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    retries: 0,
  });
  return createWorker({
    repos: [repo],
    host: async () => host,
    log: recordingLog(),
    metrics: recordingMetrics(),
    delayedWork,
    now: () => at,
  });
}

const pulls = (repo: WatchedRepo) => server.listPulls('acme', repo.repo.split('/')[1]!, { state: 'open' });
const dashboard = (repo: WatchedRepo) => server.listIssues('acme', repo.repo.split('/')[1]!)[0]?.body ?? '';

describe('worker: minimumReleaseAge', () => {
  it('holds a young push (no PR, the dashboard says until when), and its wake-up opens the PR without another push', async () => {
    const repo = envRepo('{ minor: 2d }');
    const { work, asked } = wakeUps();
    const early = worker(repo, work, Date.parse(PUSHED) + 1 * H);
    expect(await early(sqsEvent(sqsRecord(ecrPush('1.1.0'))))).toEqual({ batchItemFailures: [] });
    const held = {
      requests: server.requestCount(),
      roundTrips: server.roundTrips(),
      writes: server.writeCount(),
    };
    expect(pulls(repo)).toEqual([]);
    // The line renders the reason as Markdown (parentheses escaped): held, and until when.
    expect(dashboard(repo)).toContain(
      '**held**: 1.1.0: pushed at 2019-11-16T01:54:34Z, minimumReleaseAge 2d &#40;minor&#41;: due at 2019-11-18T01:54:34Z',
    );
    expect(asked).toEqual([
      {
        due: new Date('2019-11-18T01:54:34Z'),
        push: expect.objectContaining({ image: IMAGE, tag: '1.1.0', pushedAt: new Date(PUSHED) }),
      },
    ]);
    expect(held.writes).toBe(1);

    // The same event again (SQS delivers at least once): nothing is written, the wake-up collapses.
    server.resetLog();
    await early(sqsEvent(sqsRecord(ecrPush('1.1.0'))));
    expect(server.writeCount()).toBe(0);
    const duplicate = server.requestCount();
    expect(asked).toHaveLength(2);
    expect(asked[1]).toEqual(asked[0]);

    // The wake-up: Scheduler sends the push message back to the queue at the due time.
    server.resetLog();
    const due = worker(repo, work, asked[0]!.due.getTime());
    await due(sqsEvent(sqsRecord(encodePushMessage(asked[0]!.push, 'release-age'))));
    const [pull] = pulls(repo);
    expect(pull?.title).toBe('chore(images): update api to 1.1.0');
    expect(asked).toHaveLength(2);
    console.info(
      `held push: ${held.requests} GitHub requests (${held.roundTrips} round trips, ${held.writes} write: the dashboard), duplicate of a held push: ${duplicate} requests, 0 writes; wake-up → PR: ${server.requestCount()} requests`,
    );
  });

  it('costs a push old enough no request more than a policy without the key', async () => {
    const gated = envRepo('2d');
    const plain = envRepo(undefined);
    const { work, asked } = wakeUps();
    await worker(gated, work, Date.parse(PUSHED) + 49 * H)(sqsEvent(sqsRecord(ecrPush('1.1.0'))));
    const withAge = { requests: server.requestCount(), roundTrips: server.roundTrips() };
    server.resetLog();
    await worker(plain, work, Date.parse(PUSHED) + 49 * H)(sqsEvent(sqsRecord(ecrPush('1.1.0'))));
    expect(withAge).toEqual({ requests: server.requestCount(), roundTrips: server.roundTrips() });
    expect(pulls(gated)).toHaveLength(1);
    expect(asked).toEqual([]);
  });

  it('hands the event back when the wake-up cannot be set, so the held push is not lost', async () => {
    const repo = envRepo('2d');
    // Its only record returns to the queue: the invocation fails, as for any batch that failed whole.
    await expect(
      worker(repo, wakeUps(true).work, Date.parse(PUSHED))(sqsEvent(sqsRecord(ecrPush('1.1.0')))),
    ).rejects.toMatchObject({ code: 'BATCH_FAILED', retryable: true });
    expect(pulls(repo)).toEqual([]);
  });
});
