/**
 * `ImageUpdater`: the whole serverless updater as one construct (SPEC §8).
 *
 *   ECR push ──► EventBridge rule ──► SQS queue (+ DLQ) ──► worker ──► GitHub PRs
 *   schedule ──────────────────────────────────────────────► reconcile ──┘
 *
 * Other producers (the webhook function of a later release) enqueue normalised push messages on
 * the same queue: see `grantEnqueue`.
 */
import {
  Annotations,
  Duration,
  SecretValue,
  Stack,
  Token,
  Validations,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionEnvSchema } from '../lambdas/handlers/env.ts';
import { WEBHOOK_SERVICE } from '../lambdas/handlers/webhook-env.ts';
import { WatchedRepoSchema } from '../lambdas/handlers/env.ts';
import {
  METRIC,
  METRICS_NAMESPACE,
  RECONCILE_SERVICE,
  WORKER_SERVICE,
} from '../lambdas/handlers/metric-names.ts';
import type * as z from 'zod';
import { InvalidPropsError } from './errors.ts';
import { functionCode } from './function-bundling.ts';
import { nagResourceFinding } from './nag.ts';
import { webhookEndpoint, type WebhookFrontDoor } from './webhook-endpoint.ts';

/** GitHub's secondary rate limit: content-creating requests a minute, per App installation or user. */
export const GITHUB_WRITES_PER_MINUTE = 80;

/** How the functions authenticate to GitHub; the secret's JSON format follows from it. */
export type GitHubAuthKind = 'token' | 'app';

/** An environment repository the updater reads its config from and writes pull requests to. */
export interface WatchedRepository {
  /**
   * The repository, as `owner/name`.
   */
  readonly repo: string;

  /**
   * Path of the config file in the repository, from its root.
   *
   * Set it when the repository keeps its tooling config out of the root, or when one repository
   * holds several independent configs (watch it once per path).
   *
   * @default '.image-updater.yaml'
   */
  readonly configPath?: string;
}

export interface ImageUpdaterProps {
  /**
   * The environment repositories to update. Every push is checked against each repository's
   * config, so list only repositories that have one.
   */
  readonly repositories: readonly WatchedRepository[];

  /**
   * ECR repository name prefixes whose pushes are acted on, e.g. `['shop/', 'platform/api']`.
   * They filter the EventBridge rule (so other pushes never invoke anything) and scope the
   * functions' `ecr:DescribeImages` permission to `repository/<prefix>*`.
   *
   * Set it whenever the account has repositories the updater has no business reading.
   *
   * @default - every repository of `ecrAccounts` in `ecrRegions`
   */
  readonly ecrRepositoryPrefixes?: readonly string[];

  /**
   * Accounts whose ECR pushes are acted on. For an account other than this stack's, the
   * construct allows that account to put events on `eventBus`; that account then needs a rule
   * forwarding its `ECR Image Action` events to this bus, and a repository policy letting this
   * stack's functions call `ecr:DescribeImages` (see the README, cross-account forwarding).
   *
   * @default - this stack's account
   */
  readonly ecrAccounts?: readonly string[];

  /**
   * Regions whose ECR pushes are acted on. Pushes in another region reach this stack only when
   * that region's default bus forwards them here.
   *
   * @default - this stack's region
   */
  readonly ecrRegions?: readonly string[];

  /**
   * How the functions authenticate to GitHub. `app` (recommended): a GitHub App's id and private
   * key, with the installation looked up per repository; higher rate limits, commits and PRs by
   * the App. `token`: a fine-grained or classic personal access token.
   *
   * @default 'app'
   */
  readonly githubAuth?: GitHubAuthKind;

  /**
   * The Secrets Manager secret holding the GitHub credentials as JSON: `{"token": "…"}` for
   * `githubAuth: 'token'`, `{"appId": "…", "privateKey": "-----BEGIN …"}` for `'app'`.
   *
   * Set it to share one secret between stacks or to keep the credentials under your own
   * rotation process.
   *
   * @default - a new secret with an empty placeholder, to be filled in after the first deploy
   */
  readonly githubSecret?: secretsmanager.ISecret;

  /**
   * The GitHub API base URL, for GitHub Enterprise Server: `https://HOST/api/v3`.
   *
   * @default - github.com (`https://api.github.com`)
   */
  readonly githubApiUrl?: string;

  /**
   * When the reconcile runs. It decides every policy from the registry's tag list, repairing
   * events that AWS failed to deliver; each run reads every watched repository and lists every
   * watched ECR repository once.
   *
   * Set a longer interval for many repositories or very large registries, a shorter one when a
   * missed push must be repaired quickly.
   *
   * @default Schedule.rate(Duration.hours(1))
   */
  readonly reconcileSchedule?: events.Schedule;

  /**
   * SNS topic that receives the alarms' ALARM and OK notifications.
   *
   * @default - alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * The most worker instances that run at once (SQS event source `maximumConcurrency`, 2–1000).
   * GitHub's budget of 80 content-creating requests a minute is shared between them and the
   * reconcile, so more concurrency means more parallel repositories, not more writes.
   *
   * Raise it when many environment repositories are updated at the same time.
   *
   * @default 2
   */
  readonly maxConcurrency?: number;

  /**
   * Records the worker receives at once (at most 10,000). Pushes of one batch are coalesced:
   * each repository is read once and each policy or group gets one commit per batch, so a large
   * batch is what keeps a burst of pushes within GitHub's content-creation limits. Lower it only
   * if the worker's function timeout cannot cover the repositories one batch touches. Above 10
   * it needs a `maxBatchingWindow` of at least a second (an SQS event source rule).
   *
   * @default 1000 (10 when `maxBatchingWindow` is under a second)
   */
  readonly batchSize?: number;

  /**
   * How long SQS gathers records before invoking the worker. A multi-architecture push emits
   * one event per tag within a second; a window of a second coalesces them into one commit.
   *
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * The event bus ECR events arrive on.
   *
   * Set it when events are forwarded to a dedicated bus instead of the default one.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * How long the functions' logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * The functions' log level (Powertools `POWERTOOLS_LOG_LEVEL`).
   *
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

  /**
   * CloudWatch namespace of the functions' metrics.
   *
   * Set it when two updaters run in one account and region, so their dashboards stay apart.
   *
   * @default 'ImageUpdater'
   */
  readonly metricsNamespace?: string;

  /**
   * The CloudWatch dashboard's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;

  /**
   * A webhook endpoint (Lambda function URL) for registries other than ECR: CNCF Distribution,
   * Harbor, Docker Hub, GHCR, and ECR events forwarded by an EventBridge API destination.
   *
   * Set it when images are also pushed to such a registry. Accepted pushes go to the same queue.
   *
   * @default - no webhook endpoint
   */
  readonly webhook?: ImageUpdaterWebhookProps;

  /**
   * A secret with `{"host": {"username": "…", "password": "…"}}` for listing the tags of
   * registries other than ECR (reconcile, `newest` policies) through the OCI distribution API.
   *
   * Set it when such a registry needs credentials to list tags.
   *
   * @default - tags are listed anonymously
   */
  readonly registryCredentialsSecret?: secretsmanager.ISecret;
}

/** The webhook endpoint (`ImageUpdaterProps.webhook`). */
export interface ImageUpdaterWebhookProps {
  /**
   * Images a webhook may enqueue, as `REGISTRY[/PATH-PREFIX]` (e.g. `ghcr.io/acme`,
   * `registry.example.com:5000/shop`); anything else is refused. Required, so that allowing every
   * image (`['*']`) is an explicit choice.
   */
  readonly allowedImages: readonly string[];

  /**
   * The shared secret the registries present: one string for every provider, or JSON with one
   * per provider (`{"distribution": "…", "harbor": "…", "dockerhub": "…", "ghcr": "…", "ecr": "…"}`).
   *
   * Set it to manage the secret yourself (e.g. to share it with the registries' configuration).
   *
   * @default - a secret with a generated 48-character value
   */
  readonly secret?: secretsmanager.ISecret;

  /**
   * Largest accepted body, in bytes; larger deliveries get 413.
   *
   * @default 262144
   */
  readonly maxBodyBytes?: number;

  /**
   * Reserved concurrency of the webhook function: the most a flood of deliveries can cost.
   * Reserving takes it from the account's unreserved pool, and a deploy fails when that would
   * leave fewer than 10 (new accounts often have a quota of 10 in all).
   *
   * @default - none: deliveries are throttled by the account, and the work by the queue
   */
  readonly reservedConcurrency?: number;

  /**
   * The endpoint: `function-url` (a Lambda function URL) or `http-api` (an API Gateway HTTP
   * API). Choose `http-api` where function URLs do not exist (lib/regions.ts: synth refuses a
   * function URL there) or where AWS Control Tower's proactive controls reject `AuthType: NONE`
   * URLs and `Principal: "*"` permissions; it also takes a custom domain.
   *
   * @default 'function-url'
   */
  readonly frontDoor?: WebhookFrontDoor;
}

const WORKER_TIMEOUT_SECONDS = 120;
/**
 * The worker's event source and limits when the props leave them out. Exported so the bench
 * (`bench/burst.ts`) simulates exactly the deployment users get.
 */
export const WORKER_DEFAULTS = {
  maxConcurrency: 2,
  /**
   * Everything that is queued, up to 1,000 records (~1 MB of ECR events, far under Lambda's
   * 6 MB payload): a burst that outran the write budget comes back as one batch, so each
   * branch gets one commit with the greatest tags instead of one per tag (bench: 1,000 events
   * → 132 content writes with 1,000, 451 with 100, 908 with 10).
   */
  batchSize: 1000,
  maxBatchingWindowSeconds: 1,
  /**
   * Room for one full GitHub secondary-rate-limit wait (`retry-after`, typically 60 s) plus the
   * work itself; writes that could not start 15 s before it are refused and their events returned.
   */
  timeoutSeconds: WORKER_TIMEOUT_SECONDS,
  /** AWS's guidance for Lambda SQS sources: at least six times the function timeout. */
  visibilityTimeoutSeconds: 6 * WORKER_TIMEOUT_SECONDS,
} as const;
const WORKER_TIMEOUT = Duration.seconds(WORKER_DEFAULTS.timeoutSeconds);
const RECONCILE_TIMEOUT = Duration.minutes(10);
/**
 * Receives before a record moves to the DLQ: with a 12-minute visibility timeout, about four
 * hours. Records that wait for GitHub write budget come back until it frees; a burst must drain
 * before any of them reaches the DLQ, even when several bursts or a reconcile share the budget
 * (bench: 1,000 events under 500 writes an hour drain in under 15 minutes, 25 with 10 %
 * faults, records returned at most a few times each).
 */
export const MAX_RECEIVE_COUNT = 20;

type FunctionEnvironment = { [K in keyof z.input<typeof FunctionEnvSchema>]: string } & Record<
  string,
  string
>;

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

  constructor(scope: Construct, id: string, props: ImageUpdaterProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const repositories = validateRepositories(props.repositories);
    if (repositories.length === 0) {
      Annotations.of(this).addWarningV2(
        'image-updater:no-repositories',
        'No repositories are watched: pushes are received and nothing is updated.',
      );
    }
    const prefixes = validatePrefixes(props.ecrRepositoryPrefixes ?? ['']);
    const accounts = validateAccounts(props.ecrAccounts ?? [stack.account]);
    const regions = props.ecrRegions ?? [stack.region];
    const maxConcurrency = props.maxConcurrency ?? WORKER_DEFAULTS.maxConcurrency;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
      throw new InvalidPropsError(`maxConcurrency must be an integer from 2 to 1000, got ${maxConcurrency}`);
    }
    const batchingWindow =
      props.maxBatchingWindow ?? Duration.seconds(WORKER_DEFAULTS.maxBatchingWindowSeconds);
    const windowMs = batchingWindow.toMilliseconds();
    const batchSize = props.batchSize ?? (windowMs >= 1000 ? WORKER_DEFAULTS.batchSize : 10);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new InvalidPropsError(`batchSize must be an integer from 1 to 10000, got ${batchSize}`);
    }
    // Lambda rejects it at deploy time; say so at synth.
    if (batchSize > 10 && windowMs < 1000) {
      throw new InvalidPropsError(
        `batchSize ${batchSize} needs a maxBatchingWindow of at least 1 second (SQS allows more than 10 records only with a batching window), got ${windowMs} ms`,
      );
    }
    if (props.githubApiUrl !== undefined && !/^https:\/\/[^/\s]+(?:\/[^\s]*)?$/.test(props.githubApiUrl)) {
      throw new InvalidPropsError(
        `githubApiUrl must be an https URL such as https://github.example.com/api/v3, got ${props.githubApiUrl}`,
      );
    }
    const auth = props.githubAuth ?? 'app';
    const namespace = props.metricsNamespace ?? METRICS_NAMESPACE;

    // Secret ---------------------------------------------------------------------------------
    this.githubSecret =
      props.githubSecret ??
      new secretsmanager.Secret(this, 'GitHubSecret', {
        // Description and value are the same for every set of props: CloudFormation writes the
        // value again whenever the resource's properties change, which would overwrite the
        // credentials a user put in (`put-secret-value`) after the first deploy.
        description: GITHUB_SECRET_DESCRIPTION,
        // A placeholder with empty fields, not a secret (so plain text in the template is fine):
        // the functions report it as "not configured" until the real credentials are put in.
        secretStringValue: SecretValue.unsafePlainText(GITHUB_SECRET_PLACEHOLDER),
      });
    if (!props.githubSecret) {
      Validations.of(this.githubSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'GitHub credentials (App private keys, tokens) are issued and revoked in GitHub, not by a rotation Lambda. The functions re-read the secret every 5 minutes and after a 401, so a manual rotation needs no redeploy.',
      });
    }

    // Queues ---------------------------------------------------------------------------------
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue of the work queue (and of the EventBridge target); it needs none of its own. Its depth is alarmed.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's guidance for Lambda SQS sources: at least six times the function timeout, so a
      // record is not handed to a second instance while the first still works on it.
      visibilityTimeout: Duration.seconds(WORKER_DEFAULTS.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    // Functions ------------------------------------------------------------------------------
    // GitHub allows 80 content-creating requests a minute per installation. Every worker
    // instance and the reconcile get an equal share, so the total stays under the limit even
    // when a reconcile runs during a burst; a secondary-limit answer is still honoured
    // (retry-after) and never loses an event.
    const writesPerMinute = Math.floor(GITHUB_WRITES_PER_MINUTE / (maxConcurrency + 1));
    const environment: FunctionEnvironment = {
      WATCHED_REPOS: JSON.stringify(repositories),
      GITHUB_SECRET_ID: this.githubSecret.secretArn,
      GITHUB_AUTH: auth,
      GITHUB_API_URL: props.githubApiUrl ?? '',
      GITHUB_WRITES_PER_MINUTE: String(writesPerMinute),
      SECRET_CACHE_SECONDS: '300',
      ...(props.registryCredentialsSecret
        ? { REGISTRY_CREDENTIALS_SECRET_ID: props.registryCredentialsSecret.secretArn }
        : {}),
      POWERTOOLS_METRICS_NAMESPACE: namespace,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
    };
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.workerFunction = this.updaterFunction('Worker', {
      entry: 'worker-main.ts',
      description: 'image-updater worker: registry push events → GitHub pull requests',
      timeout: WORKER_TIMEOUT,
      memorySize: 1024,
      environment,
      logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.reconcileFunction = this.updaterFunction('Reconcile', {
      entry: 'reconcile-main.ts',
      description:
        'image-updater reconcile: every policy from the registry tag list, to repair missed events',
      timeout: RECONCILE_TIMEOUT,
      memorySize: 1024,
      environment,
      logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      // A failed run is repaired by the next scheduled one; an immediate retry would only
      // repeat the same reads.
      retryAttempts: 0,
    });

    this.workerFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize,
        maxBatchingWindow: batchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );

    const ecrRepositoryArns = accounts.flatMap((account) =>
      regions.flatMap((region) =>
        prefixes.map((prefix) =>
          stack.formatArn({
            service: 'ecr',
            account,
            region,
            resource: 'repository',
            resourceName: `${prefix}*`,
          }),
        ),
      ),
    );
    for (const fn of [this.workerFunction, this.reconcileFunction]) {
      // Only DescribeImages: the tag lister never calls ListImages.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DescribeWatchedRepositories',
          actions: ['ecr:DescribeImages'],
          resources: ecrRepositoryArns,
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadGitHubCredentials',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretFullArn(this.githubSecret)],
        }),
      );
      this.githubSecret.encryptionKey?.grantDecrypt(fn);
      if (props.registryCredentialsSecret) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'ReadRegistryCredentials',
            actions: ['secretsmanager:GetSecretValue'],
            resources: [secretFullArn(props.registryCredentialsSecret)],
          }),
        );
        props.registryCredentialsSecret.encryptionKey?.grantDecrypt(fn);
      }
      for (const arn of ecrRepositoryArns) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions-IAM5[${nagResourceFinding(stack, arn)}]`,
          reason:
            'ecr:DescribeImages is scoped to the watched repositories: one ARN per allowed account, region and repository-name prefix, ending in `*` because a prefix names many repositories. No action is a wildcard.',
        });
      }
    }

    // Events ---------------------------------------------------------------------------------
    const eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.rule = new events.Rule(this, 'EcrPushRule', {
      description: 'ECR pushes (success, watched repositories) → image-updater queue',
      eventBus,
      eventPattern: {
        source: ['aws.ecr'],
        detailType: ['ECR Image Action'],
        account: [...accounts],
        region: [...regions],
        detail: {
          'action-type': ['PUSH'],
          result: ['SUCCESS'],
          ...(prefixes.some((p) => p === '')
            ? {}
            : { 'repository-name': prefixes.map((prefix) => ({ prefix })) }),
        },
      },
    });
    // Events EventBridge cannot deliver (after its own retries for 24 hours) land in the same
    // DLQ, with the same body, so one redrive replays both kinds.
    this.rule.addTarget(new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue }));
    accounts.forEach((account, i) => {
      if (Token.isUnresolved(account) || account === stack.account) return;
      new events.CfnEventBusPolicy(this, `ForwardFrom${i}`, {
        eventBusName: eventBus.eventBusName,
        statementId: `image-updater-${account}-${this.node.addr.slice(0, 8)}`,
        statement: {
          Sid: `image-updater-${account}-${this.node.addr.slice(0, 8)}`,
          Effect: 'Allow',
          Principal: { AWS: `arn:${stack.partition}:iam::${account}:root` },
          Action: 'events:PutEvents',
          Resource: eventBus.eventBusArn,
        },
      });
    });

    new events.Rule(this, 'ReconcileSchedule', {
      description: 'image-updater reconcile',
      schedule: props.reconcileSchedule ?? events.Schedule.rate(Duration.hours(1)),
      targets: [new targets.LambdaFunction(this.reconcileFunction, { retryAttempts: 0 })],
    });

    // Webhook --------------------------------------------------------------------------------
    if (props.webhook) {
      const webhook = webhookEndpoint(
        this,
        props.webhook,
        (environment, reservedConcurrentExecutions) =>
          this.updaterFunction('Webhook', {
            entry: 'webhook-main.ts',
            description: 'image-updater webhook: registry notifications → the worker queue',
            timeout: Duration.seconds(10),
            memorySize: 256,
            environment: {
              ...environment,
              POWERTOOLS_METRICS_NAMESPACE: namespace,
              POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
            },
            logRetention,
            logRemovalPolicy: props.logRemovalPolicy,
            ...(reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions } : {}),
          }),
        (fn) => this.grantEnqueue(fn),
        this.queue.queueUrl,
      );
      this.webhookFunction = webhook.fn;
      this.webhookSecret = webhook.secret;
      this.webhookEndpointUrl = webhook.url;
      if (webhook.functionUrl) this.webhookUrl = webhook.functionUrl;
      if (webhook.api) this.webhookApi = webhook.api;
    }

    // Alarms and dashboard -------------------------------------------------------------------
    const metric = (name: string, service: string, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace,
        metricName: name,
        dimensionsMap: { service },
        statistic,
        period: Duration.minutes(5),
      });
    const alarm = (alarmId: string, description: string, m: cloudwatch.IMetric, threshold = 1) =>
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric: m,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.alarms = [
      alarm(
        'DeadLetterQueueAlarm',
        'image-updater: records in the dead-letter queue. They failed every retry; fix the cause (see the worker logs) and redrive them.',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
      ),
      alarm(
        'QueueAgeAlarm',
        'image-updater: the oldest queued push is older than 15 minutes; the worker is failing or throttled.',
        this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        900,
      ),
      alarm(
        'WorkerErrorsAlarm',
        'image-updater: the worker function failed (crash or timeout).',
        this.workerFunction.metricErrors({ period: Duration.minutes(5) }),
      ),
      alarm(
        'ReconcileErrorsAlarm',
        'image-updater: the reconcile function failed (crash or timeout).',
        this.reconcileFunction.metricErrors({ period: Duration.minutes(5) }),
      ),
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
    if (this.webhookFunction) {
      this.alarms = [
        ...this.alarms,
        alarm(
          'WebhookErrorsAlarm',
          'image-updater: the webhook function failed (crash or timeout); registries retry, but check the logs.',
          this.webhookFunction.metricErrors({ period: Duration.minutes(5) }),
        ),
        alarm(
          'WebhookUnavailableAlarm',
          'image-updater: the webhook answered 503 (its secret or the queue was unavailable).',
          metric('WebhookUnavailable', WEBHOOK_SERVICE),
        ),
      ];
    }
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const a of this.alarms) {
        a.addAlarmAction(action);
        a.addOkAction(action);
      }
    } else {
      Annotations.of(this).addWarningV2(
        'image-updater:alarms-without-actions',
        'No alarm topic (alarmTopic, -c alarmTopicArn=…): the alarms change state in CloudWatch and notify no one.',
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      defaultInterval: Duration.days(1),
    });
    const w = (name: string) => metric(name, WORKER_SERVICE);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Events',
        left: [
          w(METRIC.eventsReceived),
          w(METRIC.pushes),
          w(METRIC.eventsIgnored),
          w(METRIC.eventsMalformed),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Pull requests',
        left: [
          w(METRIC.updatesProposed),
          w(METRIC.pullRequestsOpened),
          w(METRIC.pullRequestsUpdated),
          w(METRIC.pullRequestsMerged),
          w(METRIC.pullRequestsClosed),
          w(METRIC.directCommits),
          w(METRIC.noOps),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Push → PR latency (ms)',
        left: [
          metric(METRIC.pushToPullRequestLatency, WORKER_SERVICE, 'p50'),
          metric(METRIC.pushToPullRequestLatency, WORKER_SERVICE, 'p90'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures',
        left: [
          w(METRIC.failures),
          w(METRIC.retriedRecords),
          w(METRIC.droppedRecords),
          metric(METRIC.failures, RECONCILE_SERVICE),
          metric(METRIC.tagListFailures, RECONCILE_SERVICE),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Queues',
        left: [
          this.queue.metricApproximateNumberOfMessagesVisible(),
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
        ],
        right: [this.queue.metricApproximateAgeOfOldestMessage()],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Functions',
        left: [
          this.workerFunction.metricErrors(),
          this.workerFunction.metricThrottles(),
          this.reconcileFunction.metricErrors(),
        ],
        right: [
          this.workerFunction.metricDuration({ statistic: 'p90' }),
          this.reconcileFunction.metricDuration({ statistic: 'Maximum' }),
        ],
        width: 8,
      }),
    );
  }

  /**
   * Lets a producer enqueue pushes for the worker: the webhook function (a later release), or
   * a forwarder of your own. The body is `PushMessage` JSON (lambdas/handlers/messages.ts) or an
   * EventBridge `ECR Image Action` event.
   */
  grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }

  private updaterFunction(
    id: string,
    options: {
      entry: string;
      description: string;
      timeout: Duration;
      memorySize: number;
      environment: Record<string, string>;
      logRetention: logs.RetentionDays;
      logRemovalPolicy: RemovalPolicy | undefined;
      retryAttempts?: number;
      reservedConcurrentExecutions?: number;
    },
  ): NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: options.logRetention,
      ...(options.logRemovalPolicy ? { removalPolicy: options.logRemovalPolicy } : {}),
    });
    // Its own role instead of the AWSLambdaBasicExecutionRole managed policy: writes to its own
    // log group only.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `image-updater ${id.toLowerCase()} function`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const fn = new NodejsFunction(this, id, {
      // Built with code splitting (lib/function-bundling.ts); NodejsFunction's bundling can't split.
      ...functionCode(options.entry),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      description: options.description,
      timeout: options.timeout,
      memorySize: options.memorySize,
      environment: options.environment,
      role,
      logGroup,
      ...(options.retryAttempts !== undefined ? { retryAttempts: options.retryAttempts } : {}),
      ...(options.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: options.reservedConcurrentExecutions }
        : {}),
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the product is built and tested for (SPEC §8); it is an LTS release supported by Lambda.',
    });
    return fn;
  }
}

/** A secret imported by name has a partial ARN; the real one ends in a 6-character suffix. */
function secretFullArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/** Never change these two: a changed value is written over the user's credentials by the next deploy. */
export const GITHUB_SECRET_DESCRIPTION =
  'GitHub credentials for image-updater: {"appId": "…", "privateKey": "…"} (githubAuth app) or {"token": "…"} (githubAuth token)';
export const GITHUB_SECRET_PLACEHOLDER = JSON.stringify({ appId: '', privateKey: '', token: '' });

function validateRepositories(repositories: readonly WatchedRepository[]): WatchedRepository[] {
  const seen = new Set<string>();
  return repositories.map((r) => {
    const parsed = WatchedRepoSchema.safeParse(r);
    if (!parsed.success) {
      throw new InvalidPropsError(
        `repositories: ${JSON.stringify(r)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
    }
    const key = `${r.repo.toLowerCase()}:${r.configPath ?? ''}`;
    if (seen.has(key))
      throw new InvalidPropsError(`repositories: ${r.repo} is listed twice with the same config path`);
    seen.add(key);
    return parsed.data;
  });
}

function validatePrefixes(prefixes: readonly string[]): string[] {
  if (prefixes.length === 0)
    throw new InvalidPropsError('ecrRepositoryPrefixes is empty; leave it out to watch every repository');
  for (const p of prefixes) {
    if (!/^[a-z0-9._/-]*$/.test(p))
      throw new InvalidPropsError(
        `ecrRepositoryPrefixes: "${p}" cannot start an ECR repository name (lowercase letters, digits, . _ - /)`,
      );
  }
  return [...prefixes];
}

function validateAccounts(accounts: readonly string[]): string[] {
  for (const a of accounts) {
    if (!Token.isUnresolved(a) && !/^\d{12}$/.test(a))
      throw new InvalidPropsError(`ecrAccounts: "${a}" is not a 12-digit AWS account id`);
  }
  return [...accounts];
}
