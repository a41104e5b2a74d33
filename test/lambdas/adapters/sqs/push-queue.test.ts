import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsPushQueue } from '../../../../lambdas/adapters/sqs/push-queue.ts';
import { QueueError } from '../../../../lambdas/core/queue/errors.ts';
import { decodeMessage } from '../../../../lambdas/adapters/sqs/messages.ts';
import type { QueuedPush } from '../../../../lambdas/ports/push-queue.ts';

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/image-updater';

const pushes = (n: number): QueuedPush[] =>
  Array.from({ length: n }, (_, i) => ({
    push: {
      image: 'registry.example.com/shop/api',
      tag: `1.0.${i}`,
      pushedAt: new Date('2026-01-01T00:00:00Z'),
    },
    source: 'distribution',
    id: `event-${i}`,
  }));

/** What the queue holds: every body as the worker decodes it. */
function queued() {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .map((e) => decodeMessage(e.MessageBody!));
}

describe('SqsPushQueue', () => {
  beforeEach(() => sqs.reset());

  it('sends pushes in batches of ten, as bodies the worker decodes back into the same pushes', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await new SqsPushQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL }).enqueue(pushes(23));
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.args[0].input.QueueUrl === QUEUE_URL)).toBe(true);
    expect(queued()).toEqual(
      pushes(23).map((p) => ({ kind: 'push', id: p.id, source: 'distribution', push: p.push })),
    );
  });

  it('entries SQS failed on its side are sent once more', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }] })
      .resolves({ Successful: [], Failed: [] });
    await new SqsPushQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL }).enqueue(pushes(3));
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries!.map((e) => e.Id)).toEqual(['1']);
  });

  it.each([
    [
      'SQS failing the retry too',
      () =>
        sqs
          .on(SendMessageBatchCommand)
          .resolves({ Successful: [], Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] }),
    ],
    [
      'a sender fault (not worth retrying here)',
      () =>
        sqs.on(SendMessageBatchCommand).resolves({
          Successful: [],
          Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents' }],
        }),
    ],
    [
      'the call failing',
      () =>
        sqs
          .on(SendMessageBatchCommand)
          .rejects(Object.assign(new Error('x'), { name: 'ServiceUnavailable' })),
    ],
  ])('%s → a retryable QueueError (the webhook answers 503)', async (_what, arrange) => {
    arrange();
    const error = await new SqsPushQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL })
      .enqueue(pushes(2))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).retryable).toBe(true);
  });
});
