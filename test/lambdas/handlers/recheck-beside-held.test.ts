/**
 * When a decision applies one tag and holds a younger one (minimumReleaseAge by update type), and
 * the applied tag waits for its signature, both wake-ups are set: the age's, and the signature's
 * look-again (2 and 15 minutes after the push).
 */
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcrTagLister } from '../../../lambdas/adapters/ecr/tag-lister.ts';
import { GitHubHost } from '../../../lambdas/adapters/github/host.ts';
import { combineTagListers } from '../../../lambdas/adapters/registry/tag-lists.ts';
import { createReconcile } from '../../../lambdas/handlers/reconcile.ts';
import type { PushedImage } from '../../../lambdas/core/push.ts';
import type { SignatureVerifier } from '../../../lambdas/ports/signature-verifier.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { recordingLog, recordingMetrics } from '../../support/handlers.ts';

const IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/api';
const KEY = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:cosign-AbCdEf';
let server: GitHubTestServer;
const ecr = mockClient(ECRClient);
beforeAll(async () => {
  server = await createGitHubTestServer();
});
afterAll(async () => {
  ecr.restore();
  await server.close();
});

describe('a signature recheck beside a release-age hold', () => {
  it('sets the look-again of the applied tag too', async () => {
    const now = Date.now();
    server.createRepo('acme', 'recheck', {
      files: {
        '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${IMAGE}\n    minimumReleaseAge: {major: 7d}\n    verify: {cosign: {key: "${KEY}"}}\n`,
        'values.yaml': `image:\n  repository: ${IMAGE}\n  tag: 1.4.2\n`,
      },
    });
    const pushed = new Date(now - 30_000);
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: `sha256:${'1'.repeat(64)}`, imageTags: ['1.4.2'], imagePushedAt: new Date(now - 9e8) },
        { imageDigest: `sha256:${'3'.repeat(64)}`, imageTags: ['1.4.3'], imagePushedAt: pushed },
        { imageDigest: `sha256:${'2'.repeat(64)}`, imageTags: ['2.0.0'], imagePushedAt: pushed },
      ],
    });
    const verifier: SignatureVerifier = {
      verify: async (r) => ({
        ok: false,
        check: 'signature-missing',
        detail: 'no signature yet',
        ...(r.digest ? { digest: r.digest } : {}),
      }),
    };
    const asked: { due: Date; push: PushedImage }[] = [];
    const host = new GitHubHost({
      auth: { kind: 'token', token: 'test-token' },
      baseUrl: server.url,
      retries: 0,
    });
    await createReconcile({
      repos: [{ repo: 'acme/recheck' }],
      host: async () => host,
      tagLister: combineTagListers([
        new EcrTagLister({
          clientFor: (region) =>
            new ECRClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
        }),
      ]),
      delayedWork: {
        scheduleAt: async (due, push) => void asked.push({ due, push }),
        scheduleRepoRun: async () => {},
      },
      log: recordingLog(),
      metrics: recordingMetrics(),
      apply: { backoffMs: 1, verifier },
    })();
    expect(asked.map((a) => a.push.tag).sort()).toEqual(['1.4.3', '2.0.0']);
  });
});
