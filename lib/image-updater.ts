/**
 * `ImageUpdater`: the whole serverless updater as one construct (SPEC §8).
 *
 *   ECR push ──► EventBridge rule ──► SQS queue (+ DLQ) ──► worker ──► GitHub PRs
 *   webhook (other registries) ─────────────┘
 *   schedule ──────────────────────────────────────────────► reconcile ──┘
 *
 * Composed of parts, each in its own file and owning its resources and grants:
 *
 *   work-queue.ts         queue and dead-letter queue
 *   updater-functions.ts  worker and reconcile, their environment and permissions, the schedule
 *   ecr-push-rule.ts      which ECR pushes are watched, the rule, cross-account bus policies
 *   webhook-endpoint.ts   webhook function, its secret and its front door
 *   monitoring.ts         alarms and dashboard
 *   index-table.ts        the image index (image → repositories) and GitHub delivery ids
 *   release-age-schedules.ts  the schedule group and role that wake pushes minimumReleaseAge held
 *
 * The parts create their resources in this construct's scope, with the ids the single
 * constructor used: the logical ids of a deployed stack stay the same, so upgrading replaces
 * nothing (test/lib/template-stability.test.ts).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../lambdas/names.ts';
import { EcrPushRule, WatchedEcr } from './ecr-push-rule.ts';
import type { ImageUpdaterProps } from './image-updater-props.ts';
import { Monitoring } from './monitoring.ts';
import { IndexTable } from './index-table.ts';
import { ReleaseAgeSchedules } from './release-age-schedules.ts';
import { InvalidPropsError } from './errors.ts';
import { githubSecret } from './secrets.ts';
import type { FunctionSettings } from './updater-function.ts';
import { UpdaterFunctions, WORKER_DEFAULTS } from './updater-functions.ts';
import { WebhookEndpoint } from './webhook-endpoint.ts';
import { WorkQueue } from './work-queue.ts';

export type {
  GitHubAuthKind,
  ImageUpdaterDiscoveryProps,
  ImageUpdaterProps,
  ImageUpdaterWebhookProps,
  WatchedRepository,
} from './image-updater-props.ts';
export { GITHUB_SECRET_DESCRIPTION, GITHUB_SECRET_PLACEHOLDER } from './secrets.ts';
export { GITHUB_WRITES_PER_MINUTE, WORKER_DEFAULTS } from './updater-functions.ts';
export { MAX_RECEIVE_COUNT } from './work-queue.ts';

export class ImageUpdater extends Construct {
  /** The queue the worker reads. Producers send ECR events or `PushMessage` JSON (see `grantEnqueue`). */
  readonly queue: sqs.Queue;
  /** Records the worker could not process after every retry, and events EventBridge could not deliver. */
  readonly deadLetterQueue: sqs.Queue;
  readonly workerFunction: NodejsFunction;
  readonly reconcileFunction: NodejsFunction;
  readonly githubSecret: secretsmanager.ISecret;
  readonly rule: events.Rule;
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
  /** The webhook function, when `webhook` is set. */
  readonly webhookFunction?: NodejsFunction;
  /** The function URL, when `webhook` is set with the `function-url` front door. */
  readonly webhookUrl?: lambda.FunctionUrl;
  /** The HTTP API, when `webhook` is set with the `http-api` front door. */
  readonly webhookApi?: apigwv2.HttpApi;
  /** The endpoint's URL, ending in `/`, when `webhook` is set: registries post to `<url>webhooks/<provider>`. */
  readonly webhookEndpointUrl?: string;
  /** The secret registries present to the webhook, when `webhook` is set. */
  readonly webhookSecret?: secretsmanager.ISecret;
  /** The image index (and GitHub delivery ids). */
  readonly indexTable: dynamodb.TableV2;
  /** Where pushes held by `minimumReleaseAge` wait: one-time schedules that re-queue them when due. */
  readonly releaseAgeScheduleGroup: scheduler.ScheduleGroup;

  private readonly workQueue: WorkQueue;

  constructor(scope: Construct, id: string, props: ImageUpdaterProps) {
    super(scope, id);
    const watched = new WatchedEcr(Stack.of(this), {
      accounts: props.ecrAccounts,
      regions: props.ecrRegions,
      repositoryPrefixes: props.ecrRepositoryPrefixes,
    });
    const settings: FunctionSettings = {
      metricsNamespace: props.metricsNamespace ?? METRICS_NAMESPACE,
      logLevel: props.logLevel ?? 'INFO',
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      logRemovalPolicy: props.logRemovalPolicy,
    };

    this.githubSecret = githubSecret(this, props.githubSecret);
    this.workQueue = new WorkQueue(this, {
      visibilityTimeout: Duration.seconds(WORKER_DEFAULTS.visibilityTimeoutSeconds),
    });
    this.queue = this.workQueue.queue;
    this.deadLetterQueue = this.workQueue.deadLetterQueue;

    if (props.githubEvents && !props.webhook)
      throw new InvalidPropsError(
        'githubEvents needs the webhook endpoint (the `webhook` prop, or -c webhookAllowedImages=…): GitHub posts its events to <webhook url>webhooks/github',
      );
    const index = new IndexTable(this);
    const releaseAge = new ReleaseAgeSchedules(this, this.workQueue);
    this.releaseAgeScheduleGroup = releaseAge.group;
    this.indexTable = index.table;
    const functions = new UpdaterFunctions(this, {
      repositories: props.repositories ?? [],
      discovery: props.discovery,
      githubEvents: props.githubEvents ?? false,
      indexTable: index,
      queue: this.workQueue,
      releaseAge,
      githubSecret: this.githubSecret,
      githubAuth: props.githubAuth ?? 'app',
      githubApiUrl: props.githubApiUrl,
      registryCredentialsSecret: props.registryCredentialsSecret,
      verifyKeySecrets: props.verifyKeySecrets,
      ecrRepositoryArns: watched.repositoryArns,
      maxConcurrency: props.maxConcurrency,
      batchSize: props.batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      reconcileSchedule: props.reconcileSchedule,
      settings,
    });
    this.workerFunction = functions.worker;
    this.reconcileFunction = functions.reconcile;

    this.rule = new EcrPushRule(this, { watched, queue: this.workQueue, eventBus: props.eventBus }).rule;

    if (props.webhook) {
      const webhook = new WebhookEndpoint(this, {
        ...props.webhook,
        queue: this.workQueue,
        indexTable: index,
        settings,
      });
      this.webhookFunction = webhook.fn;
      this.webhookSecret = webhook.secret;
      this.webhookEndpointUrl = webhook.url;
      if (webhook.functionUrl) this.webhookUrl = webhook.functionUrl;
      if (webhook.api) this.webhookApi = webhook.api;
    }

    const monitoring = new Monitoring(this, {
      metricsNamespace: settings.metricsNamespace,
      queue: this.workQueue,
      worker: this.workerFunction,
      reconcile: this.reconcileFunction,
      webhook: this.webhookFunction,
      alarmTopic: props.alarmTopic,
      dashboardName: props.dashboardName,
    });
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
  }

  /**
   * Lets a producer enqueue pushes for the worker: a forwarder of your own (the webhook function
   * gets this already). The body is `PushMessage` JSON (lambdas/adapters/sqs/messages.ts) or an
   * EventBridge `ECR Image Action` event.
   */
  grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return this.workQueue.grantEnqueue(grantee);
  }
}
