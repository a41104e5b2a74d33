/**
 * The worker's SQS queue as a `PushQueue`: `SendMessageBatch` in chunks of ten (the API's
 * limit), one message per push or repository event, bodies in the worker's formats
 * (`messages.ts`). Entries SQS reports as failed on its side
 * are sent once more; anything still failing throws, so the webhook answers 503 and the registry
 * delivers again. A message queued twice is harmless.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { QueueError } from '../../core/queue/errors.ts';
import { encodeQueuedMessage } from './messages.ts';
import type { PushQueue, QueuedMessage } from '../../ports/push-queue.ts';

const BATCH = 10;

export interface SqsPushQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
}

export class SqsPushQueue implements PushQueue {
  constructor(private readonly options: SqsPushQueueOptions) {}

  async enqueue(messages: readonly QueuedMessage[]): Promise<void> {
    const entries = messages.map((m, i): SendMessageBatchRequestEntry => ({
      Id: String(i),
      MessageBody: encodeQueuedMessage(m),
    }));
    const chunks: SendMessageBatchRequestEntry[][] = [];
    for (let i = 0; i < entries.length; i += BATCH) chunks.push(entries.slice(i, i + BATCH));
    await Promise.all(chunks.map((chunk) => this.send(chunk, true)));
  }

  private async send(entries: SendMessageBatchRequestEntry[], retry: boolean): Promise<void> {
    let failed: { Id?: string; SenderFault?: boolean; Code?: string }[];
    try {
      const out = await this.options.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }),
      );
      failed = out.Failed ?? [];
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new QueueError('QUEUE_SEND_FAILED', `SendMessageBatch failed: ${name}`, { cause: error });
    }
    if (failed.length === 0) return;
    const again = entries.filter((e) => failed.some((f) => f.Id === e.Id && !f.SenderFault));
    if (retry && again.length === failed.length) return this.send(again, false);
    const codes = [...new Set(failed.map((f) => f.Code ?? 'unknown'))].join(', ');
    throw new QueueError(
      'QUEUE_SEND_FAILED',
      `SQS did not take ${failed.length} of ${entries.length} messages (${codes})`,
    );
  }
}
