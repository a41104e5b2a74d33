/**
 * Production wiring shared by the functions, built once per cold start: Powertools Logger (with
 * the redacting formatter) and Metrics, the GitHub credentials from Secrets Manager, a GitHub host rebuilt only when the
 * credentials change, the tag listers and image readers (ECR, and the OCI distribution API for
 * the rest), and the signature verifier (its Sigstore libraries load on first use).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GitHubHost } from '../adapters/github/host.ts';
import { secretsManagerCredentials } from '../adapters/registry/credentials.ts';
import { registryAccess } from '../adapters/registry/registry-access.ts';
import { lazySignatureVerifier } from '../adapters/sigstore/lazy-verifier.ts';
import { provenanceReader } from '../adapters/provenance/provenance-reader.ts';
import { GitHubCredentialsSource, type GitHubCredentials } from '../adapters/secrets/github-credentials.ts';
import type { GitHost } from '../ports/git-host.ts';
import { parseFunctionEnv, type FunctionEnv } from './env.ts';
import { METRICS_NAMESPACE } from '../names.ts';
import { functionLogger } from '../adapters/logging/json-log.ts';
import { lazyDynamoImageIndex } from '../adapters/dynamodb/lazy-index.ts';
import { lazySchedulerDelayedWork } from '../adapters/scheduler/lazy-delayed-work.ts';
import type { UpdaterDeps } from './updater-deps.ts';

export interface Runtime {
  readonly env: FunctionEnv;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** What the worker and the reconcile are built from. */
  readonly updaterDeps: UpdaterDeps;
}

/** A function's handler, with the Lambda context given to the logger and cold starts counted. */
export function lambdaHandler<E, R>(
  runtime: Runtime,
  handle: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    runtime.logger.addContext(context);
    runtime.metrics.captureColdStartMetric(context.functionName);
    return handle(event, context);
  };
}

export function createRuntime(
  serviceName: string,
  environment: Record<string, string | undefined> = process.env,
): Runtime {
  const env = parseFunctionEnv(environment);
  const logger = functionLogger(serviceName);
  const metrics = new Metrics({
    namespace: environment.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName,
  });
  const secretsClient = new SecretsManagerClient({});
  const credentials = new GitHubCredentialsSource({
    client: secretsClient,
    secretId: env.GITHUB_SECRET_ID,
    kind: env.GITHUB_AUTH,
    maxAgeSeconds: env.SECRET_CACHE_SECONDS,
  });
  const host = hostProvider(
    () => credentials.get(),
    (auth) =>
      new GitHubHost({
        auth,
        ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
        writesPerMinute: env.GITHUB_WRITES_PER_MINUTE,
        log: {
          debug: (m) => logger.debug(m),
          info: (m) => logger.info(m),
          warn: (m) => logger.warn(m),
          error: (m) => logger.error(m),
        },
      }),
  );
  const { tagLister, imageReader } = registryAccess(
    env.REGISTRY_CREDENTIALS_SECRET_ID
      ? {
          credentials: secretsManagerCredentials({
            client: secretsClient,
            secretId: env.REGISTRY_CREDENTIALS_SECRET_ID,
            maxAgeSeconds: env.SECRET_CACHE_SECONDS,
          }),
        }
      : {},
  );
  const keySecrets = new Set(env.VERIFY_KEY_SECRET_ARNS ?? []);
  const verifier = lazySignatureVerifier({
    reader: imageReader,
    keySecretAllowed: (arn) => keySecrets.has(arn),
    secretsClient: () => secretsClient,
    maxAgeSeconds: env.SECRET_CACHE_SECONDS,
  });
  const credentialsRejected = () => credentials.invalidate();
  return {
    env,
    logger,
    metrics,
    updaterDeps: {
      repos: env.WATCHED_REPOS,
      host,
      credentialsRejected,
      tagLister,
      apply: { verifier, provenance: provenanceReader({ reader: imageReader, log: logger }) },
      log: logger,
      metrics,
      ...(env.DISCOVERY ? { discovery: env.DISCOVERY } : {}),
      ...(env.INDEX_TABLE_NAME ? { index: lazyDynamoImageIndex({ tableName: env.INDEX_TABLE_NAME }) } : {}),
      trustIndex: env.GITHUB_EVENTS === 'on' && env.INDEX_TABLE_NAME !== undefined,
      ...(env.RELEASE_AGE_SCHEDULE_GROUP && env.RELEASE_AGE_ROLE_ARN && env.WORK_QUEUE_ARN
        ? {
            delayedWork: lazySchedulerDelayedWork({
              groupName: env.RELEASE_AGE_SCHEDULE_GROUP,
              roleArn: env.RELEASE_AGE_ROLE_ARN,
              queueArn: env.WORK_QUEUE_ARN,
            }),
          }
        : {}),
    },
  };
}

/**
 * The host for the current credentials. The credentials source returns the same object while
 * the secret is unchanged, so the host (its installation tokens, its per-repo caches and its
 * write budget) lives as long as the function instance, and is rebuilt after a rotation.
 */
export function hostProvider(
  credentials: () => Promise<GitHubCredentials>,
  build: (auth: GitHubCredentials) => GitHost,
): () => Promise<GitHost> {
  let current: { readonly auth: GitHubCredentials; readonly host: GitHost } | undefined;
  return async () => {
    const auth = await credentials();
    if (current?.auth !== auth) current = { auth, host: build(auth) };
    return current.host;
  };
}
