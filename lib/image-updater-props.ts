/**
 * The `ImageUpdater` construct's public props. Every prop is read once, by the part of the
 * construct that owns the decision (lib/image-updater.ts lists them).
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { WebhookFrontDoor } from './webhook-endpoint.ts';

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

/** Which repositories of the GitHub App's installations are watched when none are listed. */
export interface ImageUpdaterDiscoveryProps {
  /**
   * Globs over `owner/name` (`acme/env-*`). Set them when the App is installed on more
   * repositories than the updater should touch.
   * @default - every repository of every installation
   */
  readonly names?: readonly string[];
  /**
   * Only repositories with this GitHub topic (e.g. `image-updater`).
   * @default - no topic filter
   */
  readonly topic?: string;
  /**
   * The config file's path in each repository.
   * @default '.image-updater.yaml'
   */
  readonly configPath?: string;
}

/** What `new ImageUpdater(scope, id, props)` deploys: `repositories`, or `discovery` with an App. */
export interface ImageUpdaterProps {
  /**
   * The environment repositories to update. When given, only these are watched (and
   * `discovery` is ignored). A push runs only the repositories whose config watches its image
   * (the image index), once `githubEvents` keeps that index fresh.
   * @default - none: `discovery` finds them (GitHub App only)
   */
  readonly repositories?: readonly WatchedRepository[];

  /**
   * With a GitHub App and no `repositories`: every repository of the App's installations that
   * has the config file is watched, optionally filtered. New installations and repositories
   * are picked up from GitHub's `installation` events (with `githubEvents`) and by the reconcile.
   * @default - no discovery (`repositories` is then required)
   */
  readonly discovery?: ImageUpdaterDiscoveryProps;

  /**
   * Set when the GitHub App's webhook (or a repository webhook) posts GitHub's events to
   * `<webhook url>webhooks/github`: config changes then arrive within seconds, and the image
   * index alone decides which repositories a push costs requests in. Without it every watched
   * repository is read on every push (a config edit is seen by the next push).
   * @default false
   */
  readonly githubEvents?: boolean;

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
   * Set it when the environment repositories live on GitHub Enterprise Server.
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
   * Set it in every real deployment: without it the alarms change state and notify no one
   * (synth warns, `image-updater:alarms-without-actions`).
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
   * Set it longer when pushes come in bursts spread over several seconds (a CI pipeline pushing
   * many images) and a few seconds more latency is worth fewer commits; under a second only with
   * a `batchSize` of 10 or less.
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
   * Set it to what your log retention policy requires.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups when the stack is deleted.
   *
   * Set it to `RemovalPolicy.DESTROY` for short-lived (test) stacks whose logs need not outlive
   * them.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * The functions' log level (Powertools `POWERTOOLS_LOG_LEVEL`).
   *
   * Set it to `DEBUG` while setting up or investigating a policy, `WARN` to log less.
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
   * Set it for a name people can find in the console, unique in the account and region.
   *
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;

  /**
   * A webhook endpoint (a Lambda function URL or an API Gateway HTTP API, see `frontDoor`) for
   * registries other than ECR: CNCF Distribution,
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

  /**
   * Secrets whose value is a cosign public key (PEM) that policies name by ARN in
   * `verify.cosign.key`; the worker and the reconcile may read these and no other. A policy whose
   * key is inline PEM needs none.
   *
   * Set it when an environment repository's config names its verification key by secret ARN
   * (keys kept out of Git, rotated in one place).
   *
   * @default - no key secret is readable: a policy naming one is refused (`key-unusable`)
   */
  readonly verifyKeySecrets?: readonly secretsmanager.ISecret[];
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
   * Set it higher only if a registry's deliveries are refused with 413 (from 1024 up to 6 MiB).
   *
   * @default 262144
   */
  readonly maxBodyBytes?: number;

  /**
   * Reserved concurrency of the webhook function: the most a flood of deliveries can cost.
   * Reserving takes it from the account's unreserved pool, and a deploy fails when that would
   * leave fewer than 10 (new accounts often have a quota of 10 in all).
   *
   * Set it when the endpoint is public and a flood of deliveries must not take the account's
   * Lambda concurrency from other functions.
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
