/**
 * The worker (queue → pull requests) and the reconcile (schedule → every policy from the tag
 * lists), which share their environment and their permissions: read the watched ECR
 * repositories and the GitHub (and registry) credentials, and keep the image index.
 */
import { Annotations, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DiscoverySchema, WatchedRepoSchema, type FunctionEnvSchema } from '../lambdas/handlers/env.ts';
import { InvalidPropsError } from './errors.ts';
import type { GitHubAuthKind, ImageUpdaterDiscoveryProps, WatchedRepository } from './image-updater-props.ts';
import type { IndexTable } from './index-table.ts';
import { nagResourceFinding } from './nag.ts';
import type { ReleaseAgeSchedules } from './release-age-schedules.ts';
import { grantReadSecret } from './secrets.ts';
import { updaterFunction, type EnvironmentOf, type FunctionSettings } from './updater-function.ts';
import type { WorkQueue } from './work-queue.ts';

/** GitHub's secondary rate limit: content-creating requests a minute, per App installation or user. */
export const GITHUB_WRITES_PER_MINUTE = 80;

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

export interface UpdaterFunctionsProps {
  /** Validated here: each must match the functions' own `WATCHED_REPOS` schema. */
  readonly repositories: readonly WatchedRepository[];
  /** Used when `repositories` is empty; validated against the functions' `DISCOVERY` schema. */
  readonly discovery?: ImageUpdaterDiscoveryProps | undefined;
  /** GitHub's events reach the webhook: the index alone picks a push's repositories. */
  readonly githubEvents: boolean;
  readonly indexTable: IndexTable;
  readonly queue: WorkQueue;
  /** Where held pushes wait for their `minimumReleaseAge` (`release-age-schedules.ts`). */
  readonly releaseAge: ReleaseAgeSchedules;
  readonly githubSecret: secretsmanager.ISecret;
  readonly githubAuth: GitHubAuthKind;
  /** @default - github.com */
  readonly githubApiUrl?: string | undefined;
  /** @default - tags are listed anonymously */
  readonly registryCredentialsSecret?: secretsmanager.ISecret | undefined;
  /**
   * Secrets holding cosign public keys that policies name by ARN (`verify.cosign.key`).
   * @default - none
   */
  readonly verifyKeySecrets?: readonly secretsmanager.ISecret[] | undefined;
  /** The ECR repositories the functions may describe (`WatchedEcr.repositoryArns`). */
  readonly ecrRepositoryArns: readonly string[];
  /** @default WORKER_DEFAULTS.maxConcurrency */
  readonly maxConcurrency?: number | undefined;
  /** @default WORKER_DEFAULTS.batchSize (10 when `maxBatchingWindow` is under a second) */
  readonly batchSize?: number | undefined;
  /** @default Duration.seconds(WORKER_DEFAULTS.maxBatchingWindowSeconds) */
  readonly maxBatchingWindow?: Duration | undefined;
  /** @default Schedule.rate(Duration.hours(1)) */
  readonly reconcileSchedule?: events.Schedule | undefined;
  readonly settings: FunctionSettings;
}

/** `Worker`, `Reconcile` (each with its `Logs` and `Role`) and `ReconcileSchedule`, in `scope`. */
export class UpdaterFunctions {
  readonly worker: NodejsFunction;
  readonly reconcile: NodejsFunction;

  constructor(scope: Construct, props: UpdaterFunctionsProps) {
    const repositories = validateRepositories(props.repositories);
    const discovery = validateDiscovery(scope, props, repositories.length > 0);
    if (repositories.length === 0 && !discovery) {
      Annotations.of(scope).addWarningV2(
        'image-updater:no-repositories',
        'No repositories are watched: pushes are received and nothing is updated.',
      );
    }
    const { maxConcurrency, batchSize, batchingWindow } = eventSourceSettings(props);
    if (props.githubApiUrl !== undefined && !/^https:\/\/[^/\s]+(?:\/[^\s]*)?$/.test(props.githubApiUrl)) {
      throw new InvalidPropsError(
        `githubApiUrl must be an https URL such as https://github.example.com/api/v3, got ${props.githubApiUrl}`,
      );
    }

    const environment = functionEnvironment(props, repositories, discovery, maxConcurrency);
    this.worker = updaterFunction(scope, 'Worker', {
      entry: 'worker-main.ts',
      description: 'image-updater worker: registry push events → GitHub pull requests',
      timeout: Duration.seconds(WORKER_DEFAULTS.timeoutSeconds),
      memorySize: 1024,
      environment,
      settings: props.settings,
    });
    this.reconcile = updaterFunction(scope, 'Reconcile', {
      entry: 'reconcile-main.ts',
      description:
        'image-updater reconcile: every policy from the registry tag list, to repair missed events',
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment,
      settings: props.settings,
      // A failed run is repaired by the next scheduled one; an immediate retry would only
      // repeat the same reads.
      retryAttempts: 0,
    });

    this.worker.addEventSource(
      new SqsEventSource(props.queue.queue, {
        batchSize,
        maxBatchingWindow: batchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );
    new events.Rule(scope, 'ReconcileSchedule', {
      description: 'image-updater reconcile',
      schedule: props.reconcileSchedule ?? events.Schedule.rate(Duration.hours(1)),
      targets: [new targets.LambdaFunction(this.reconcile, { retryAttempts: 0 })],
    });

    for (const fn of [this.worker, this.reconcile]) {
      grantReads(fn, props);
      props.indexTable.grantIndex(fn);
      props.releaseAge.grantSchedule(fn);
    }
  }
}

/** What both functions may read: the watched repositories' images and the credentials. */
function grantReads(fn: NodejsFunction, props: UpdaterFunctionsProps): void {
  // DescribeImages lists tags (never ListImages); BatchGetImage and GetDownloadUrlForLayer read
  // a digest's signatures (`verify`). Pulling needs GetAuthorizationToken, which is not granted.
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadWatchedRepositories',
      actions: ['ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer'],
      resources: [...props.ecrRepositoryArns],
    }),
  );
  grantReadSecret(fn, 'ReadGitHubCredentials', props.githubSecret);
  if (props.registryCredentialsSecret)
    grantReadSecret(fn, 'ReadRegistryCredentials', props.registryCredentialsSecret);
  (props.verifyKeySecrets ?? []).forEach((secret, i) => grantReadSecret(fn, `ReadVerifyKey${i}`, secret));
  const stack = Stack.of(fn);
  for (const arn of props.ecrRepositoryArns) {
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[${nagResourceFinding(stack, arn)}]`,
      reason:
        'ecr:DescribeImages, BatchGetImage and GetDownloadUrlForLayer are scoped to the watched repositories: one ARN per allowed account, region and repository-name prefix, ending in `*` because a prefix names many repositories. No action is a wildcard.',
    });
  }
}

function functionEnvironment(
  props: UpdaterFunctionsProps,
  repositories: readonly WatchedRepository[],
  discovery: ImageUpdaterDiscoveryProps | undefined,
  maxConcurrency: number,
): EnvironmentOf<typeof FunctionEnvSchema> {
  // GitHub allows 80 content-creating requests a minute per installation. Every worker
  // instance and the reconcile get an equal share, so the total stays under the limit even
  // when a reconcile runs during a burst; a secondary-limit answer is still honoured
  // (retry-after) and never loses an event.
  const writesPerMinute = Math.floor(GITHUB_WRITES_PER_MINUTE / (maxConcurrency + 1));
  return {
    WATCHED_REPOS: JSON.stringify(repositories),
    ...(discovery ? { DISCOVERY: JSON.stringify(discovery) } : {}),
    INDEX_TABLE_NAME: props.indexTable.table.tableName,
    GITHUB_EVENTS: props.githubEvents ? 'on' : 'off',
    GITHUB_SECRET_ID: props.githubSecret.secretArn,
    GITHUB_AUTH: props.githubAuth,
    GITHUB_API_URL: props.githubApiUrl ?? '',
    GITHUB_WRITES_PER_MINUTE: String(writesPerMinute),
    SECRET_CACHE_SECONDS: '300',
    ...props.releaseAge.environment(props.queue),
    ...(props.registryCredentialsSecret
      ? { REGISTRY_CREDENTIALS_SECRET_ID: props.registryCredentialsSecret.secretArn }
      : {}),
    ...(props.verifyKeySecrets?.length
      ? { VERIFY_KEY_SECRET_ARNS: JSON.stringify(props.verifyKeySecrets.map((s) => s.secretArn)) }
      : {}),
  };
}

function eventSourceSettings(props: UpdaterFunctionsProps): {
  maxConcurrency: number;
  batchSize: number;
  batchingWindow: Duration;
} {
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
  return { maxConcurrency, batchSize, batchingWindow };
}

/** The discovery settings the functions will accept, or undefined when a static list wins. */
function validateDiscovery(
  scope: Construct,
  props: UpdaterFunctionsProps,
  listed: boolean,
): ImageUpdaterDiscoveryProps | undefined {
  if (!props.discovery) return undefined;
  if (listed) {
    Annotations.of(scope).addWarningV2(
      'image-updater:discovery-ignored',
      '`repositories` is given, so `discovery` is ignored: only the listed repositories are watched.',
    );
    return undefined;
  }
  if (props.githubAuth !== 'app')
    throw new InvalidPropsError(
      'no repositories are listed and githubAuth is "token": list them (repositories, or -c repos=owner/name), or use a GitHub App, which discovers them',
    );
  const parsed = DiscoverySchema.safeParse(props.discovery);
  if (!parsed.success)
    throw new InvalidPropsError(
      `discovery: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

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
