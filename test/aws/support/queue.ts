/**
 * What the tests around the bundled functions share: the environment a function gets from the
 * template, SQS messages handed over as Lambda's event source mapping does, one delivery round,
 * and the function's JSON log lines.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CfnResource } from './bundles.ts';
import type { LambdaProcess } from './lambda-process.ts';
import { MOTO_ACCOUNT, MOTO_REGION } from './moto.ts';

/**
 * The function's literal environment variables (references to other resources are the test's to
 * fill). The release-age schedule group's name is literal but its role and queue ARNs are
 * references, and the three go together: left out, as a test that wants delayed work sets all.
 */
export function templateEnv(resource: CfnResource): Record<string, string> {
  const variables = (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return Object.fromEntries(
    Object.entries(variables).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && !RELEASE_AGE_VARIABLES.includes(e[0]),
    ),
  );
}

const RELEASE_AGE_VARIABLES = ['RELEASE_AGE_SCHEDULE_GROUP', 'RELEASE_AGE_ROLE_ARN', 'WORK_QUEUE_ARN'];

function sqsEvent(messages: readonly Message[], queue = 'queue'): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
      attributes: m.Attributes as never,
      messageAttributes: {},
      md5OfBody: m.MD5OfBody!,
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${MOTO_REGION}:${MOTO_ACCOUNT}:${queue}`,
      awsRegion: MOTO_REGION,
    })),
  };
}

/** Every message visible now (each becomes invisible for 30 s). */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        AttributeNames: ['All'],
        VisibilityTimeout: 30,
      }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
  }
}

export interface Delivery {
  readonly records: number;
  readonly failed: number;
  readonly error?: string;
}

/**
 * One poll of the event source mapping: a batch received, the worker invoked, succeeded records
 * deleted, failed ones (all of them when the invocation failed) visible again at once instead of
 * after the template's visibility timeout.
 */
export async function deliverOnce(
  sqs: SQSClient,
  queueUrl: string,
  worker: LambdaProcess,
  batchSize = 10,
): Promise<Delivery | undefined> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(10, batchSize),
      AttributeNames: ['All'],
    }),
  );
  if (Messages.length === 0) return undefined;
  const { result, error } = await worker.invoke<SQSBatchResponse>(sqsEvent(Messages));
  const failed = new Set(
    error ? Messages.map((m) => m.MessageId) : result!.batchItemFailures.map((f) => f.itemIdentifier),
  );
  for (const m of Messages) {
    const handle = { QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! };
    if (failed.has(m.MessageId))
      await sqs.send(new ChangeMessageVisibilityCommand({ ...handle, VisibilityTimeout: 0 }));
    else await sqs.send(new DeleteMessageCommand(handle));
  }
  return { records: Messages.length, failed: failed.size, ...(error?.code ? { error: error.code } : {}) };
}

/** The function's structured (Powertools JSON) log lines; anything else it printed is left out. */
export function jsonLogs(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
