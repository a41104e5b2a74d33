import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { METRIC, WEBHOOK_METRIC, WEBHOOK_SERVICE, WORKER_SERVICE } from '../../lambdas/names.ts';
import { Monitoring, QUEUE_AGE_ALARM_SECONDS } from '../../lib/monitoring.ts';
import { WorkQueue } from '../../lib/work-queue.ts';
import { removeTestOutdirs, testApp } from '../support/cdk.ts';

afterAll(removeTestOutdirs);

function monitoring(options: { topic?: boolean; webhook?: boolean; namespace?: string } = {}) {
  const stack = new Stack(testApp(), 'T', { env: { account: '111122223333', region: 'eu-west-1' } });
  const queue = new WorkQueue(stack, { visibilityTimeout: Duration.minutes(12) });
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = () => {};'),
    });
  const parts = new Monitoring(stack, {
    metricsNamespace: options.namespace ?? 'ImageUpdater',
    queue,
    worker: fn('Worker'),
    reconcile: fn('Reconcile'),
    webhook: options.webhook ? fn('Webhook') : undefined,
    alarmTopic: options.topic ? new sns.Topic(stack, 'Alarms') : undefined,
  });
  return { stack, parts, template: Template.fromStack(stack) };
}

const ALARMS = [
  'DeadLetterQueueAlarm',
  'QueueAgeAlarm',
  'WorkerErrorsAlarm',
  'ReconcileErrorsAlarm',
  'DroppedRecordsAlarm',
  'ReconcileFailuresAlarm',
];

describe('Monitoring', () => {
  it('alarms on the first record in the DLQ and on a push waiting over 15 minutes', () => {
    const { template } = monitoring();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(QUEUE_AGE_ALARM_SECONDS).toBe(15 * 60);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Statistic: 'Maximum',
      Threshold: QUEUE_AGE_ALARM_SECONDS,
    });
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      EvaluationPeriods: 1,
      Period: 300,
      TreatMissingData: 'notBreaching',
    });
  });

  it('reads the metrics the functions emit, in the namespace they are given', () => {
    const { template } = monitoring({ namespace: 'Team-A', webhook: true });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Team-A',
      MetricName: METRIC.droppedRecords,
      Dimensions: [{ Name: 'service', Value: WORKER_SERVICE }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Team-A',
      MetricName: WEBHOOK_METRIC.unavailable,
      Dimensions: [{ Name: 'service', Value: WEBHOOK_SERVICE }],
    });
  });

  it('adds the webhook alarms only with a webhook', () => {
    expect(monitoring().parts.alarms.map((a) => a.node.id)).toEqual(ALARMS);
    expect(monitoring({ webhook: true }).parts.alarms.map((a) => a.node.id)).toEqual([
      ...ALARMS,
      'WebhookErrorsAlarm',
      'WebhookUnavailableAlarm',
    ]);
  });

  it('notifies the topic of ALARM and OK for every alarm', () => {
    const { template } = monitoring({ topic: true, webhook: true });
    const topic = { Ref: Match.stringLikeRegexp('^Alarms') };
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [topic], OKActions: [topic] },
      8,
    );
    Annotations.fromStack(monitoring({ topic: true }).stack).hasNoWarning(
      '*',
      Match.stringLikeRegexp('notify no one'),
    );
  });

  it('warns at synth when the alarms would notify no one', () => {
    const { stack, template } = monitoring();
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('notify no one'));
  });

  it('draws one dashboard of events, pull requests, latency, failures, queues and functions', () => {
    const { template } = monitoring();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(
      (dashboard as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody,
    );
    for (const title of [
      'Events',
      'Pull requests',
      'Push → PR latency (ms)',
      'Failures',
      'Queues',
      'Functions',
    ])
      expect(body).toContain(`\\"title\\":\\"${title}\\"`);
  });
});
