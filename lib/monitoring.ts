/**
 * What tells an operator the updater is unwell: an alarm per failure that needs a person (each
 * description says what to look at), and a dashboard of the pipeline from event to pull request.
 * The metric and service names are the ones the functions emit (lambdas/names.ts).
 */
import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  METRIC,
  RECONCILE_SERVICE,
  WEBHOOK_METRIC,
  WEBHOOK_SERVICE,
  WORKER_SERVICE,
} from '../lambdas/names.ts';
import type { WorkQueue } from './work-queue.ts';

/** The oldest queued push may wait this long before `QueueAgeAlarm` fires. */
export const QUEUE_AGE_ALARM_SECONDS = 900;

export interface MonitoringProps {
  /** The functions' metrics namespace (`ImageUpdaterProps.metricsNamespace`). */
  readonly metricsNamespace: string;
  readonly queue: WorkQueue;
  readonly worker: lambda.IFunction;
  readonly reconcile: lambda.IFunction;
  /** @default - no webhook alarms */
  readonly webhook?: lambda.IFunction | undefined;
  /**
   * Receives every alarm's ALARM and OK notifications.
   *
   * @default - alarms without actions, and a synth warning (`image-updater:alarms-without-actions`)
   */
  readonly alarmTopic?: sns.ITopic | undefined;
  /** @default - a name CloudFormation generates */
  readonly dashboardName?: string | undefined;
}

type MetricOf = (name: string, service: string, statistic?: string) => cloudwatch.Metric;

/** The alarms (`<Name>Alarm`) and `Dashboard`, in `scope`. */
export class Monitoring {
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, props: MonitoringProps) {
    const metric: MetricOf = (name, service, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName: name,
        dimensionsMap: { service },
        statistic,
        period: Duration.minutes(5),
      });
    this.alarms = createAlarms(scope, props, metric);
    notify(scope, this.alarms, props.alarmTopic);
    this.dashboard = createDashboard(scope, props, metric);
  }
}

function createAlarms(scope: Construct, props: MonitoringProps, metric: MetricOf): cloudwatch.Alarm[] {
  const { queue, worker, reconcile, webhook } = props;
  // Any occurrence in five minutes is worth a look, except where a threshold is given.
  const alarm = (alarmId: string, description: string, m: cloudwatch.IMetric, threshold = 1) =>
    new cloudwatch.Alarm(scope, alarmId, {
      alarmDescription: description,
      metric: m,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const errors = (alarmId: string, fn: lambda.IFunction, what: string, advice = '') =>
    alarm(
      alarmId,
      `image-updater: the ${what} function failed (crash or timeout)${advice}.`,
      fn.metricErrors({ period: Duration.minutes(5) }),
    );
  const alarms = [
    alarm(
      'DeadLetterQueueAlarm',
      'image-updater: records in the dead-letter queue. They failed every retry; fix the cause (see the worker logs) and redrive them.',
      queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
    ),
    alarm(
      'QueueAgeAlarm',
      'image-updater: the oldest queued push is older than 15 minutes; the worker is failing or throttled.',
      queue.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      QUEUE_AGE_ALARM_SECONDS,
    ),
    errors('WorkerErrorsAlarm', worker, 'worker'),
    errors('ReconcileErrorsAlarm', reconcile, 'reconcile'),
    alarm(
      'DroppedRecordsAlarm',
      'image-updater: pushes were dropped after a failure that retrying cannot fix (repository not found, App not installed, permission denied). See the worker logs.',
      metric(METRIC.droppedRecords, WORKER_SERVICE),
    ),
    alarm(
      'ReconcileFailuresAlarm',
      'image-updater: the reconcile could not process a repository. See the reconcile logs.',
      metric(METRIC.failures, RECONCILE_SERVICE),
    ),
  ];
  if (webhook) {
    alarms.push(
      errors('WebhookErrorsAlarm', webhook, 'webhook', '; registries retry, but check the logs'),
      alarm(
        'WebhookUnavailableAlarm',
        'image-updater: the webhook answered 503 (its secret or the queue was unavailable).',
        metric(WEBHOOK_METRIC.unavailable, WEBHOOK_SERVICE),
      ),
    );
  }
  return alarms;
}

function notify(scope: Construct, alarms: readonly cloudwatch.Alarm[], topic: sns.ITopic | undefined): void {
  if (topic) {
    const action = new SnsAction(topic);
    for (const a of alarms) {
      a.addAlarmAction(action);
      a.addOkAction(action);
    }
  } else {
    Annotations.of(scope).addWarningV2(
      'image-updater:alarms-without-actions',
      'No alarm topic (alarmTopic, -c alarmTopicArn=…): the alarms change state in CloudWatch and notify no one.',
    );
  }
}

function createDashboard(scope: Construct, props: MonitoringProps, metric: MetricOf): cloudwatch.Dashboard {
  const { queue, worker, reconcile } = props;
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
    defaultInterval: Duration.days(1),
  });
  const ofWorker = (name: string) => metric(name, WORKER_SERVICE);
  const graph = (title: string, left: cloudwatch.IMetric[], right?: cloudwatch.IMetric[]) =>
    new cloudwatch.GraphWidget({ title, left, ...(right ? { right } : {}), width: 8 });
  dashboard.addWidgets(
    graph('Events', [
      ofWorker(METRIC.eventsReceived),
      ofWorker(METRIC.pushes),
      ofWorker(METRIC.eventsIgnored),
      ofWorker(METRIC.eventsMalformed),
    ]),
    graph('Pull requests', [
      ofWorker(METRIC.updatesProposed),
      ofWorker(METRIC.pullRequestsOpened),
      ofWorker(METRIC.pullRequestsUpdated),
      ofWorker(METRIC.pullRequestsMerged),
      ofWorker(METRIC.pullRequestsClosed),
      ofWorker(METRIC.directCommits),
      ofWorker(METRIC.noOps),
    ]),
    graph('Push → PR latency (ms)', [
      metric(METRIC.pushToPullRequestLatency, WORKER_SERVICE, 'p50'),
      metric(METRIC.pushToPullRequestLatency, WORKER_SERVICE, 'p90'),
    ]),
    graph('Failures', [
      ofWorker(METRIC.failures),
      ofWorker(METRIC.retriedRecords),
      ofWorker(METRIC.droppedRecords),
      metric(METRIC.failures, RECONCILE_SERVICE),
      metric(METRIC.tagListFailures, RECONCILE_SERVICE),
    ]),
    graph(
      'Queues',
      [
        queue.queue.metricApproximateNumberOfMessagesVisible(),
        queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
      ],
      [queue.queue.metricApproximateAgeOfOldestMessage()],
    ),
    graph(
      'Functions',
      [worker.metricErrors(), worker.metricThrottles(), reconcile.metricErrors()],
      [worker.metricDuration({ statistic: 'p90' }), reconcile.metricDuration({ statistic: 'Maximum' })],
    ),
  );
  return dashboard;
}
