/** What the handlers' tests feed in (SQS records) and read out (logs and metrics as CloudWatch gets them). */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Log, MetricSink, MetricUnitName } from '../../lambdas/ports/telemetry.ts';

let sequence = 0;

export function sqsRecord(
  body: string,
  options: { messageId?: string; receiveCount?: number } = {},
): SQSRecord {
  sequence += 1;
  return {
    messageId: options.messageId ?? `msg-${sequence}`,
    receiptHandle: `handle-${sequence}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1731900000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1731900000001',
    },
    messageAttributes: {},
    md5OfBody: '0',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-west-2:123456789012:image-updater',
    awsRegion: 'us-west-2',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

export function recordingLog(): Log & { readonly entries: LogEntry[]; text(): string } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, ...attributes: Record<string, unknown>[]) =>
      entries.push({
        level,
        message,
        attributes: Object.assign({}, ...attributes) as Record<string, unknown>,
      });
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => JSON.stringify(entries),
  };
}

export function recordingMetrics(): MetricSink & {
  published: number;
  sum(name: string): number;
  values(name: string): number[];
} {
  const stored: { name: string; unit: MetricUnitName; value: number }[] = [];
  const sink = {
    published: 0,
    addMetric(name: string, unit: MetricUnitName, value: number) {
      stored.push({ name, unit, value });
    },
    publishStoredMetrics() {
      sink.published += 1;
    },
    sum: (name: string) => stored.filter((m) => m.name === name).reduce((a, m) => a + m.value, 0),
    values: (name: string) => stored.filter((m) => m.name === name).map((m) => m.value),
  };
  return sink;
}
