/**
 * A signature's own push through the worker (ECR events, the GitHub test server): it releases
 * an image its policy held, deciding from the registry's tag list; in a repository whose
 * policies do not verify, it costs the first read and nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { GitHubHost } from '../../../lambdas/adapters/github/host.ts';
import type { Verdict, VerifyRequest } from '../../../lambdas/core/verify/types.ts';
import { createWorker } from '../../../lambdas/handlers/worker.ts';
import type { TagLister } from '../../../lambdas/ports/tag-lister.ts';
import type { DelayedWork } from '../../../lambdas/ports/delayed-work.ts';
import { encodePushMessage } from '../../../lambdas/adapters/sqs/messages.ts';
import type { PushedImage } from '../../../lambdas/core/push.ts';
import { corpusEvent } from '../../support/corpus.ts';
import { recordingLog, recordingMetrics, sqsEvent, sqsRecord } from '../../support/handlers.ts';

const IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name';
const DIGEST = `sha256:${'7'.repeat(64)}`;
const SIG_TAG = `sha256-${'7'.repeat(64)}.sig`;
const KEY = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
const SAMPLE = corpusEvent('ecr-image-action-push.json');

const ecrPush = (tag: string, digest: string) =>
  JSON.stringify({
    ...SAMPLE,
    time: new Date().toISOString(),
    detail: { ...(SAMPLE.detail as object), 'image-tag': tag, 'image-digest': digest },
  });

let server: GitHubTestServer;
beforeAll(async () => {
  server = await createGitHubTestServer();
});
afterAll(() => server.close());

function repo(name: string, verify: boolean) {
  server.createRepo('acme', name, {
    files: {
      '.image-updater.yaml': [
        'version: 1',
        'dashboard: false',
        'policies:',
        '  - name: api',
        `    image: ${IMAGE}`,
        ...(verify
          ? [
              '    verify:',
              '      cosign:',
              '        key: |',
              ...KEY.split('\n').map((l) => `          ${l}`),
            ]
          : []),
        '',
      ].join('\n'),
      'deploy.yaml': `kind: Pod\nspec:\n  containers:\n    - name: api\n      image: ${IMAGE}:1.0.0\n`,
    },
  });
  return { repo: `acme/${name}` };
}

function worker(name: string, verify: boolean, delayedWork?: DelayedWork) {
  const signed = { value: false };
  const asked: VerifyRequest[] = [];
  const listed: string[] = [];
  const tagLister: TagLister = {
    supports: () => true,
    listTags: async (image) => {
      listed.push(image);
      return [
        { tag: '1.1.0', digest: DIGEST, pushedAt: new Date() },
        { tag: SIG_TAG, digest: `sha256:${'5'.repeat(64)}` },
      ];
    },
  };
  const verifier = {
    verify: async (request: VerifyRequest): Promise<Verdict> => {
      asked.push(request);
      return signed.value
        ? { ok: true, digest: DIGEST, via: 'sig-tag' }
        : { ok: false, check: 'signature-missing', detail: `no signature for ${DIGEST}` };
    },
  };
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    retries: 0,
  });
  const log = recordingLog();
  const metrics = recordingMetrics();
  const handler = createWorker({
    repos: [repo(name, verify)],
    host: async () => host,
    tagLister,
    log,
    metrics,
    apply: { backoffMs: 1, verifier },
    ...(delayedWork ? { delayedWork } : {}),
  });
  return { handler, signed, asked, listed, log, metrics };
}

describe('a signature push through the worker', () => {
  it('releases the image its policy held: decided from the tag list, the PR opens', async () => {
    const w = worker('held', true);
    await w.handler(sqsEvent(sqsRecord(ecrPush('1.1.0', DIGEST))));
    expect(server.listPulls('acme', 'held', { state: 'open' })).toEqual([]);
    expect(w.asked).toHaveLength(1);
    expect(w.metrics.sum('SignaturesHeld')).toBe(1);
    w.signed.value = true;
    await w.handler(sqsEvent(sqsRecord(ecrPush(SIG_TAG, `sha256:${'5'.repeat(64)}`))));
    expect(w.listed).toEqual([IMAGE]);
    expect(w.asked.at(-1)).toMatchObject({ tag: '1.1.0', digest: DIGEST });
    expect(server.listPulls('acme', 'held', { state: 'open' }).map((p) => p.title)).toEqual([
      'chore(images): update api to 1.1.0',
    ]);
    expect(w.metrics.sum('SignaturesVerified')).toBe(1);
    expect(w.metrics.sum('SignaturesRefused')).toBe(0);
  });

  it('looks again without a push when the signature sent no event (an ECR referrer): the wake-up opens the PR', async () => {
    const asked: { due: Date; push: PushedImage }[] = [];
    const w = worker('no-event', true, {
      scheduleAt: async (due, push) => void asked.push({ due, push }),
      scheduleRepoRun: async () => {},
    });
    const pushedAt = Date.now();
    await w.handler(sqsEvent(sqsRecord(ecrPush('1.1.0', DIGEST))));
    expect(server.listPulls('acme', 'no-event', { state: 'open' })).toEqual([]);
    // One look again, two minutes after the push, at the pushed digest.
    expect(asked).toHaveLength(1);
    expect(asked[0]!.due.getTime() - pushedAt).toBeGreaterThanOrEqual(2 * 60 * 1000 - 1000);
    expect(asked[0]!.due.getTime() - pushedAt).toBeLessThanOrEqual(2 * 60 * 1000 + 1000);
    expect(asked[0]!.push).toMatchObject({ image: IMAGE, tag: '1.1.0', digest: DIGEST });
    // The signature arrived meanwhile, but nothing said so: the wake-up's message finds it.
    w.signed.value = true;
    await w.handler(sqsEvent(sqsRecord(encodePushMessage(asked[0]!.push, 'signature-recheck'))));
    expect(server.listPulls('acme', 'no-event', { state: 'open' }).map((p) => p.title)).toEqual([
      'chore(images): update api to 1.1.0',
    ]);
  });

  it('costs a repository whose policies do not verify its first read only: what a push of an image it does not follow costs', async () => {
    const w = worker('plain', false);
    const other = JSON.stringify({
      ...JSON.parse(ecrPush('2.0.0', DIGEST)),
      detail: { ...(SAMPLE.detail as object), 'repository-name': 'not-followed', 'image-tag': '2.0.0' },
    });
    await w.handler(sqsEvent(sqsRecord(other))); // the instance warm: the repository's id cached
    server.resetLog();
    await w.handler(sqsEvent(sqsRecord(other)));
    const baseline = server.requestCount();
    server.resetLog();
    await w.handler(sqsEvent(sqsRecord(ecrPush(SIG_TAG, `sha256:${'5'.repeat(64)}`))));
    expect(w.listed).toEqual([]);
    expect(w.asked).toEqual([]);
    expect(server.writeCount()).toBe(0);
    expect(server.requestCount()).toBe(baseline);
  });
});
