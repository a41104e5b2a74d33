/**
 * The stack's props from CDK context, so `npx cdk deploy -c repos=acme/gitops -c …` needs no
 * code. Values come as strings from `-c key=value` or as JSON values from cdk.json.
 *
 * | key | value |
 * |---|---|
 * | `repos` | `owner/name[:configPath]`, comma-separated, or a JSON array of `{repo, configPath}` |
 * | `ecrRepositoryPrefixes` | comma-separated repository-name prefixes (`shop/,platform/api`) |
 * | `ecrAccounts`, `ecrRegions` | comma-separated; default this stack's account / region |
 * | `githubAuth` | `app` (default) or `token` |
 * | `githubSecretArn` / `githubSecretName` | an existing secret; default: one is created |
 * | `githubApiUrl` | `https://HOST/api/v3` for GitHub Enterprise Server |
 * | `reconcileSchedule` | `rate(1 hour)` (default), `cron(0 6 * * ? *)` |
 * | `alarmTopicArn` | SNS topic for the alarms |
 * | `maxConcurrency`, `batchSize` | numbers (default 2, 10) |
 * | `logLevel` | `DEBUG`, `INFO` (default), `WARN`, `ERROR` |
 * | `metricsNamespace` | default `ImageUpdater` |
 * | `webhookAllowedImages` | comma-separated `REGISTRY[/PATH-PREFIX]` (or `*`): turns the webhook endpoint on |
 * | `registryCredentialsSecretArn` | secret with registry credentials for tag listing (non-ECR) |
 * | `stackName` | default `ImageUpdater` |
 */
import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { InvalidPropsError } from './errors.ts';
import type { GitHubAuthKind, WatchedRepository } from './image-updater.ts';
import type { ImageUpdaterStackProps } from './image-updater-stack.ts';

export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export const DEFAULT_STACK_NAME = 'ImageUpdater';

export function stackFromContext(
  node: ContextSource,
  env: Record<string, string | undefined> = process.env,
): { readonly stackName: string; readonly props: ImageUpdaterStackProps } {
  const text = (key: string): string | undefined => {
    const value = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value.trim();
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new InvalidPropsError(`context ${key}: expected a string, got ${JSON.stringify(value)}`);
  };
  const list = (key: string): string[] | undefined => {
    const value = node.tryGetContext(key);
    if (Array.isArray(value)) return value.map(String);
    const t = text(key);
    return t === undefined
      ? undefined
      : t
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  };
  const int = (key: string): number | undefined => {
    const t = text(key);
    if (t === undefined) return undefined;
    if (!/^\d+$/.test(t)) throw new InvalidPropsError(`context ${key}: expected a whole number, got ${t}`);
    return Number(t);
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const t = text(key);
    if (t !== undefined && !allowed.includes(t as T))
      throw new InvalidPropsError(`context ${key}: expected one of ${allowed.join(', ')}, got ${t}`);
    return t as T | undefined;
  };

  const schedule = text('reconcileSchedule');
  if (schedule !== undefined && !/^(?:rate|cron)\(.+\)$/.test(schedule)) {
    throw new InvalidPropsError(`context reconcileSchedule: expected rate(…) or cron(…), got ${schedule}`);
  }
  const githubAuth = oneOf<GitHubAuthKind>('githubAuth', ['app', 'token']);
  const logLevel = oneOf('logLevel', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const);
  const maxConcurrency = int('maxConcurrency');
  const batchSize = int('batchSize');
  const optional = {
    ecrRepositoryPrefixes: list('ecrRepositoryPrefixes'),
    ecrAccounts: list('ecrAccounts'),
    ecrRegions: list('ecrRegions'),
    githubAuth,
    githubSecretArn: text('githubSecretArn'),
    githubSecretName: text('githubSecretName'),
    githubApiUrl: text('githubApiUrl'),
    alarmTopicArn: text('alarmTopicArn'),
    maxConcurrency,
    batchSize,
    ...(batchSize !== undefined && batchSize > 10 ? { maxBatchingWindow: Duration.seconds(1) } : {}),
    logLevel,
    metricsNamespace: text('metricsNamespace'),
    reconcileSchedule: schedule === undefined ? undefined : Schedule.expression(schedule),
    webhookAllowedImages: list('webhookAllowedImages'),
    registryCredentialsSecretArn: text('registryCredentialsSecretArn'),
  };
  const account = env.CDK_DEFAULT_ACCOUNT;
  const region = env.CDK_DEFAULT_REGION;
  const props: ImageUpdaterStackProps = {
    repositories: repositoriesFrom(node.tryGetContext('repos')),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    // With credentials the CLI fills these in; without, the stack is environment-agnostic and
    // still synthesises (no lookups are made).
    ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
    description: 'image-updater: registry pushes → GitHub pull requests (https://github.com/)',
  };
  return { stackName: text('stackName') ?? DEFAULT_STACK_NAME, props };
}

function repositoriesFrom(value: unknown): WatchedRepository[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      return repositoriesFrom(JSON.parse(value) as unknown);
    } catch (error) {
      if (error instanceof InvalidPropsError) throw error;
      throw new InvalidPropsError('context repos: starts with [ but is not JSON');
    }
  }
  if (Array.isArray(value)) {
    return value.map((entry) => {
      if (typeof entry === 'string') return repositoryFrom(entry);
      if (
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as { repo?: unknown }).repo === 'string'
      )
        return entry as WatchedRepository;
      throw new InvalidPropsError(
        `context repos: ${JSON.stringify(entry)} is neither "owner/name[:path]" nor {"repo": "owner/name"}`,
      );
    });
  }
  if (typeof value !== 'string')
    throw new InvalidPropsError(`context repos: expected a string or an array, got ${JSON.stringify(value)}`);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(repositoryFrom);
}

/** `owner/name` or `owner/name:path/to/.image-updater.yaml`. */
function repositoryFrom(entry: string): WatchedRepository {
  const colon = entry.indexOf(':');
  return colon < 0 ? { repo: entry } : { repo: entry.slice(0, colon), configPath: entry.slice(colon + 1) };
}
