import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodePushMessage,
  encodeQueuedMessage,
  MAX_MESSAGE_BYTES,
} from '../../../../lambdas/adapters/sqs/messages.ts';
import type { RepoEvent } from '../../../../lambdas/core/repo-events.ts';
import { corpusEvent, corpusEventText } from '../../../support/corpus.ts';

const IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('queue messages', () => {
  it.each([
    [
      'ecr-image-action-push.json',
      { kind: 'push', id: '13cde686-328b-6117-af20-0e5566167482', source: 'ecr' },
    ],
    [
      'ecr-image-action-delete.json',
      { kind: 'ignored', reason: 'not-a-push', id: 'dd3b46cb-2c74-f49e-393b-28286b67279d' },
    ],
    ['ecr-image-scan.json', { kind: 'ignored', reason: 'other-event', detail: 'aws.ecr ECR Image Scan' }],
  ])('reads the documentation sample %s exactly as delivered', (file, expected) => {
    expect(decodeMessage(corpusEventText(file))).toMatchObject(expected);
  });

  it('an EventBridge event from another service is ignored, not malformed', () => {
    const event = {
      ...corpusEvent('ecr-image-action-push.json'),
      source: 'aws.ec2',
      'detail-type': 'EC2 Instance State-change Notification',
    };
    expect(decodeMessage(JSON.stringify(event))).toMatchObject({ kind: 'ignored', reason: 'other-event' });
  });

  it.each([
    ['not JSON', '{"version": "0", "id": ', 'body is not JSON'],
    [
      'JSON that is neither an event nor a push',
      '[1, 2, 3]',
      'neither an EventBridge event nor a push message',
    ],
    [
      'an ECR Image Action without a repository',
      JSON.stringify({
        ...corpusEvent('ecr-image-action-push.json'),
        detail: { 'action-type': 'PUSH', result: 'SUCCESS' },
      }),
      'detail.repository-name',
    ],
    [
      'a push message with a tag outside the OCI grammar',
      JSON.stringify({ kind: 'push', push: { image: IMAGE, tag: '-x' }, source: 'harbor' }),
      'push.tag',
    ],
    [
      'a push message with unknown fields',
      JSON.stringify({ kind: 'push', push: { image: IMAGE, tag: '1.0.0' }, source: 'harbor', extra: 1 }),
      'push message',
    ],
    [
      'a push message without source',
      JSON.stringify({ kind: 'push', push: { image: IMAGE, tag: '1.0.0' } }),
      'source',
    ],
  ])('%s is malformed, with a reason', (_name, body, reason) => {
    const decoded = decodeMessage(body);
    expect(decoded.kind).toBe('malformed');
    expect(decoded.kind === 'malformed' && decoded.reason).toContain(reason);
  });

  it('refuses a body larger than SQS allows without parsing it', () => {
    expect(decodeMessage(' '.repeat(MAX_MESSAGE_BYTES + 1))).toMatchObject({ kind: 'malformed' });
  });

  it('a push message round-trips through the queue', () => {
    const push = {
      image: IMAGE,
      tag: '1.2.3',
      digest: DIGEST,
      pushedAt: new Date('2026-02-03T04:05:06.789Z'),
    };
    expect(decodeMessage(encodePushMessage(push, 'distribution', 'delivery-1'))).toEqual({
      kind: 'push',
      id: 'delivery-1',
      source: 'distribution',
      push,
    });
    expect(decodeMessage(encodePushMessage({ image: 'ghcr.io/acme/web', tag: 'v2' }, 'ghcr'))).toEqual({
      kind: 'push',
      id: undefined,
      source: 'ghcr',
      push: { image: 'ghcr.io/acme/web', tag: 'v2' },
    });
  });

  it("a referrer tag in a push message is ignored; a signature's tag goes on as a push", () => {
    expect(decodeMessage(encodePushMessage({ image: IMAGE, tag: 'sha256-abc.sig' }, 'harbor'))).toMatchObject(
      { kind: 'ignored', reason: 'referrer-tag' },
    );
    const sig = `sha256-${'d'.repeat(64)}.sig`;
    expect(decodeMessage(encodePushMessage({ image: IMAGE, tag: sig }, 'harbor'))).toMatchObject({
      kind: 'push',
      push: { tag: sig },
    });
  });

  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ kind: 'push', push: v, source: 'x' })),
          fc
            .jsonValue()
            .map((v) => JSON.stringify({ kind: 'repo-event', event: v, source: 'github', id: 'x' })),
        ),
        (body) => {
          expect(['push', 'ignored', 'malformed']).toContain(decodeMessage(body).kind);
        },
      ),
      { numRuns: 500 },
    );
  });

  const SHA = 'a'.repeat(40);
  const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
  it.each<[string, RepoEvent]>([
    [
      'push',
      {
        type: 'push',
        repo: 'acme/env',
        branch: 'main',
        after: SHA,
        changedPaths: ['a.yaml'],
        truncated: false,
        installationId: 7,
      },
    ],
    [
      'repositories',
      { type: 'repositories', installationId: 7, added: ['acme/a'], removed: [], installationRemoved: false },
    ],
    [
      'pull-request',
      {
        type: 'pull-request',
        repo: 'acme/env',
        number: 3,
        action: 'closed',
        merged: true,
        headRef: 'image-updater/api',
        headSha: SHA,
        baseRef: 'main',
        mergeCommitSha: SHA,
        sender: 'octocat',
        senderIsBot: false,
      },
    ],
    [
      'issue',
      {
        type: 'issue',
        repo: 'acme/env',
        number: 4,
        action: 'comment:created',
        sender: 'x[bot]',
        senderIsBot: true,
      },
    ],
  ])('a %s repo event round-trips with its delivery id', (_type, event) => {
    expect(decodeMessage(encodeQueuedMessage({ event, source: 'github', id: DELIVERY }))).toEqual({
      kind: 'repo-event',
      id: DELIVERY,
      source: 'github',
      event,
    });
  });

  it("the scheduler's promotion-due wake-up round-trips with its name", () => {
    const event: RepoEvent = { type: 'promotion-due', repo: 'acme/env' };
    expect(decodeMessage(encodeQueuedMessage({ event, source: 'scheduler', id: 'promotion-1' }))).toEqual({
      kind: 'repo-event',
      id: 'promotion-1',
      source: 'scheduler',
      event,
    });
  });

  it.each([
    ['an unknown event type', { type: 'deploy', repo: 'acme/env' }, 'event'],
    ['a promotion-due event naming no repository', { type: 'promotion-due', repo: 'acme' }, 'repo'],
    [
      'a repo that is not owner/name',
      { type: 'issue', repo: '../x', number: 1, action: 'x', sender: 'a', senderIsBot: false },
      'repo',
    ],
    [
      'an extra field',
      {
        type: 'repositories',
        installationId: 1,
        added: [],
        removed: [],
        installationRemoved: false,
        token: 'x',
      },
      'token',
    ],
  ])('a repo-event message with %s is malformed, with the field named', (_what, event, field) => {
    const decoded = decodeMessage(
      JSON.stringify({ kind: 'repo-event', event, source: 'github', id: DELIVERY }),
    );
    expect(decoded.kind).toBe('malformed');
    expect(decoded.kind === 'malformed' && decoded.reason).toContain(field);
  });
});
