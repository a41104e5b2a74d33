/**
 * minimumReleaseAge for a tag put on old content (pushed long ago under a throwaway tag): the
 * tag is as young as its push event, whatever ECR's `imagePushedAt` (the content's first push)
 * says — for a semver tag and for the `digest` strategy's tracked tag alike.
 */
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcrTagLister } from '../../../lambdas/adapters/ecr/tag-lister.ts';
import { GitHubHost } from '../../../lambdas/adapters/github/host.ts';
import { combineTagListers } from '../../../lambdas/adapters/registry/tag-lists.ts';
import { createWorker } from '../../../lambdas/handlers/worker.ts';
import type { DelayedWork } from '../../../lambdas/ports/delayed-work.ts';
import { corpusEvent } from '../../support/corpus.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog, recordingMetrics, sqsEvent, sqsRecord } from '../../support/handlers.ts';

const IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name';
const SAMPLE = corpusEvent('ecr-image-action-push.json');
const OLD = `sha256:${'0'.repeat(64)}`;
const PARKED = `sha256:${'e'.repeat(64)}`;
const D = 86_400_000;

let server: GitHubTestServer;
const ecr = mockClient(ECRClient);
beforeAll(async () => {
  server = await createGitHubTestServer();
});
afterAll(async () => {
  ecr.restore();
  await server.close();
});

describe('minimumReleaseAge: a release tag put on an old digest', () => {
  it('is held by its push event (the tag is as young as the event, not as its content)', async () => {
    const now = Date.now();
    server.createRepo('acme', 'retag', {
      files: {
        '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n    minimumReleaseAge: 2d\n`,
        'values.yaml': `image:\n  repository: ${IMAGE}\n  tag: 1.5.0\n`,
      },
    });
    // The registry: 1.5.0 (released long ago), and content pushed 30 days ago as "scratch",
    // tagged 1.6.0 a minute ago. ECR lists one image detail per digest: its tags share the
    // digest's first imagePushedAt.
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: OLD, imageTags: ['1.5.0'], imagePushedAt: new Date(now - 60 * D) },
        { imageDigest: PARKED, imageTags: ['scratch', '1.6.0'], imagePushedAt: new Date(now - 30 * D) },
      ],
    });
    const host = new GitHubHost({
      auth: { kind: 'token', token: 'test-token' },
      baseUrl: server.url,
      retries: 0,
    });
    const wakeUps: Date[] = [];
    const delayedWork: DelayedWork = {
      scheduleAt: async (due) => void wakeUps.push(due),
      scheduleRepoRun: async () => {},
    };
    const tagLister = combineTagListers([
      new EcrTagLister({
        clientFor: (region) =>
          new ECRClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      }),
    ]);

    // The push event of the tag, a minute ago: held for two days.
    const worker = createWorker({
      repos: [{ repo: 'acme/retag' }],
      host: async () => host,
      log: recordingLog(),
      metrics: recordingMetrics(),
      tagLister,
      delayedWork,
      now: () => now,
    });
    const event = {
      ...SAMPLE,
      time: new Date(now - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      detail: { ...(SAMPLE.detail as object), 'image-tag': '1.6.0', 'image-digest': PARKED },
    };
    await worker(sqsEvent(sqsRecord(JSON.stringify(event))));
    expect(server.listPulls('acme', 'retag', { state: 'open' })).toEqual([]);
    expect(wakeUps).toHaveLength(1);

    // The hourly reconcile, minutes later: the tag is still a minute old.
    // ECR lists a tag with its content's first push time: a reconcile alone cannot tell when a
    // tag was put on old content (docs/tag-selection.md says so); the push event's wake-up can.
    expect(wakeUps[0]!.getTime()).toBeGreaterThan(now);
  });

  it('strategy digest: moving the tracked tag to content parked days ago is held by its push event', async () => {
    const now = Date.now();
    server.createRepo('acme', 'retag-digest', {
      files: {
        '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n    strategy: digest\n    track: main\n    minimumReleaseAge: 2d\n`,
        'values.yaml': `image:\n  repository: ${IMAGE}\n  tag: main\n  digest: ${OLD}\n`,
      },
    });
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: OLD, imageTags: ['old'], imagePushedAt: new Date(now - 10 * D) },
        // pushed 3 days ago as "scratch"; `main` moved to it a minute ago
        { imageDigest: PARKED, imageTags: ['scratch', 'main'], imagePushedAt: new Date(now - 3 * D) },
      ],
    });
    const host = new GitHubHost({
      auth: { kind: 'token', token: 'test-token' },
      baseUrl: server.url,
      retries: 0,
    });
    const worker = createWorker({
      repos: [{ repo: 'acme/retag-digest' }],
      host: async () => host,
      log: recordingLog(),
      metrics: recordingMetrics(),
      tagLister: combineTagListers([
        new EcrTagLister({
          clientFor: (region) =>
            new ECRClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
        }),
      ]),
      delayedWork: { scheduleAt: async () => {}, scheduleRepoRun: async () => {} },
      now: () => now,
    });
    const event = {
      ...SAMPLE,
      time: new Date(now - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      detail: { ...(SAMPLE.detail as object), 'image-tag': 'main', 'image-digest': PARKED },
    };
    await worker(sqsEvent(sqsRecord(JSON.stringify(event))));
    expect(server.listPulls('acme', 'retag-digest', { state: 'open' }).map((p) => p.title)).toEqual([]);
  });
});
