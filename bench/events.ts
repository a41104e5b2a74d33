/**
 * What the bench feeds the worker: EventBridge `ECR Image Action` events exactly as the rule
 * delivers them (the shape of `corpus/events/ecr-image-action-push.json`), inside SQS records.
 */
import type { SQSRecord } from 'aws-lambda';
import type { Log, MetricSink } from '../lambdas/ports/telemetry.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
export const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

let eventSequence = 0;

export interface EcrPush {
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
  /** Event time (ms since epoch); ECR sends whole seconds. */
  readonly at?: number;
}

export function ecrPushEvent(push: EcrPush): string {
  eventSequence += 1;
  const digest = push.digest ?? `sha256:${eventSequence.toString(16).padStart(64, '0')}`;
  return JSON.stringify({
    version: '0',
    id: `bench-${eventSequence.toString().padStart(8, '0')}`,
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: ACCOUNT,
    time: new Date(Math.floor((push.at ?? Date.now()) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: REGION,
    resources: [],
    detail: {
      result: 'SUCCESS',
      'repository-name': push.repository,
      'image-digest': digest,
      'action-type': 'PUSH',
      'image-tag': push.tag,
    },
  });
}

export function sqsRecord(body: string, messageId: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `${messageId}/${receiveCount}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'AROAEXAMPLE:events',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:image-updater`,
    awsRegion: REGION,
  };
}

/** Logs and metrics go nowhere, but errors are kept: the bench reports them. */
export function quietTelemetry(): { log: Log; metrics: MetricSink; errors: string[] } {
  const errors: string[] = [];
  const keep = (message: string, ...attributes: Record<string, unknown>[]) => {
    const a = Object.assign({}, ...attributes) as Record<string, unknown>;
    errors.push(
      `${message}: ${String(a.errorCode ?? '')} ${String(a.errorMessage ?? a.reason ?? '')}`.trim(),
    );
  };
  return {
    errors,
    log: { debug() {}, info() {}, warn: keep, error: keep },
    metrics: { addMetric() {}, publishStoredMetrics() {} },
  };
}
