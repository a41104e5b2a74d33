/**
 * The stack's props from CDK context, so `npx cdk deploy -c repos=acme/gitops -c …` needs no
 * code. Values come as strings from `-c key=value` or as JSON values from cdk.json.
 *
 * | key | value |
 * |---|---|
 * | `repos` | `owner/name[:configPath]`, comma-separated, or a JSON array of `{repo, configPath}` |
 * | `discoverNames` | without `repos`, a GitHub App: comma-separated `owner/name` globs of the repositories to watch |
 * | `discoverTopic` | without `repos`, a GitHub App: only repositories with this topic |
 * | `githubEvents` | `true` when the App's webhook posts to `<webhook url>webhooks/github` (needs the webhook) |
 * | `ecrRepositoryPrefixes` | comma-separated repository-name prefixes (`shop/,platform/api`) |
 * | `ecrAccounts`, `ecrRegions` | comma-separated; default this stack's account / region |
 * | `githubAuth` | `app` (default) or `token` |
 * | `githubSecretArn` / `githubSecretName` | an existing secret; default: one is created |
 * | `githubApiUrl` | `https://HOST/api/v3` for GitHub Enterprise Server |
 * | `reconcileSchedule` | `rate(1 hour)` (default), `cron(0 6 * * ? *)` |
 * | `alarmTopicArn` | SNS topic for the alarms |
 * | `maxConcurrency`, `batchSize` | numbers (default 2, 1000; a `batchSize` over 10 gets a 1-second batching window) |
 * | `logLevel` | `DEBUG`, `INFO` (default), `WARN`, `ERROR` |
 * | `metricsNamespace` | default `ImageUpdater` |
 * | `webhookAllowedImages` | comma-separated `REGISTRY[/PATH-PREFIX]` (or `*`): turns the webhook endpoint on |
 * | `webhookFrontDoor` | `function-url` (default) or `http-api` |
 * | `webhookReservedConcurrency` | a number; default none |
 * | `registryCredentialsSecretArn` | secret with registry credentials for tag listing (non-ECR) |
 * | `verifyKeySecretArns` | comma-separated ARNs of secrets holding cosign public keys that configs name in `verify` |
 * | `secretsKmsKeyArn` | customer-managed KMS key of the imported secrets |
 * | `account`, `region` | pin the stack to this environment; default environment-agnostic |
 * | `stackName` | default `ImageUpdater` |
 *
 * Without `account`/`region` the stack is environment-agnostic: account and region are the
 * CloudFormation pseudo parameters of wherever it is deployed. The CDK CLI's own defaults
 * (`CDK_DEFAULT_REGION` is `us-east-1` when nothing is configured) are deliberately not used:
 * a template synthesised in CI would otherwise watch that region wherever it is deployed.
 */
import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { WatchedRepoSchema } from '../lambdas/handlers/env.ts';
import {
  ACCOUNT,
  arn,
  contextReaders,
  REGION,
  scheduleProblem,
  SECRET_ARN_FORM,
  type ContextReaders,
  type ContextSource,
} from './context-readers.ts';
import { InvalidPropsError } from './errors.ts';
import { WEBHOOK_FRONT_DOORS, type WebhookFrontDoor } from './webhook-endpoint.ts';
import type { GitHubAuthKind, WatchedRepository } from './image-updater.ts';
import type { ImageUpdaterStackProps } from './image-updater-stack.ts';

const DEFAULT_STACK_NAME = 'ImageUpdater';

/** Every key `stackFromContext` reads: a key outside it is a typo (`-c repo=`), said at synth. */
const CONTEXT_KEYS = [
  'repos',
  'discoverNames',
  'discoverTopic',
  'githubEvents',
  'ecrRepositoryPrefixes',
  'ecrAccounts',
  'ecrRegions',
  'githubAuth',
  'githubSecretArn',
  'githubSecretName',
  'githubApiUrl',
  'reconcileSchedule',
  'alarmTopicArn',
  'maxConcurrency',
  'batchSize',
  'logLevel',
  'metricsNamespace',
  'webhookAllowedImages',
  'webhookFrontDoor',
  'webhookReservedConcurrency',
  'registryCredentialsSecretArn',
  'verifyKeySecretArns',
  'secretsKmsKeyArn',
  'account',
  'region',
  'stackName',
] as const;

/** The CDK's own keys have a `:` or `@` (feature flags, `aws:cdk:…`); these few have neither. */
const CDK_KEYS = new Set(['cli-telemetry', 'acknowledged-issue-numbers', 'assetStaging']);

/**
 * One warning per context key nobody reads, with the nearest known key: a typo would otherwise
 * be ignored in silence and the stack deployed without what the user asked for. Warnings, not
 * errors: a cdk.json may carry keys of the user's own.
 */
export function unknownContextKeys(all: Record<string, unknown>): string[] {
  return Object.keys(all)
    .filter((key) => !/[:@]/.test(key) && !CDK_KEYS.has(key))
    .filter((key) => !(CONTEXT_KEYS as readonly string[]).includes(key))
    .map((key) => {
      const near = nearest(key);
      return `context ${key} is not a key image-updater reads${near ? ` (did you mean ${near}?)` : ''}; ignored`;
    });
}

function nearest(key: string): string | undefined {
  const scored = CONTEXT_KEYS.map((k) => [k, distance(key.toLowerCase(), k.toLowerCase())] as const);
  const [best, score] = scored.reduce((a, b) => (b[1] < a[1] ? b : a));
  return score <= Math.max(2, Math.floor(best.length / 4)) ? best : undefined;
}

/** Levenshtein distance: keys are short, the quadratic table is a few hundred cells. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1)
      row[j] = Math.min(
        row[j - 1]! + 1,
        previous[j]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length]!;
}

const REPO_FORM = '"owner/name[:configPath]" or {"repo": "owner/name", "configPath": "…"}';

type Optional = Partial<ImageUpdaterStackProps>;

export function stackFromContext(node: ContextSource): {
  readonly stackName: string;
  readonly props: ImageUpdaterStackProps;
} {
  const read = contextReaders(node);
  const optional: Optional = {
    ...ecrProps(read),
    ...githubProps(read),
    ...runtimeProps(read),
    ...secretsProps(read),
    ...webhookProps(read),
  };
  const stackName = read.matching(
    'stackName',
    /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
    'a CloudFormation stack name (a letter, then letters, digits and hyphens; at most 128)',
  );
  const repos = node.tryGetContext('repos') as unknown;
  const props: ImageUpdaterStackProps = {
    ...(repos !== undefined ? { repositories: repositoriesFrom(repos) } : {}),
    ...discoveryProps(read, repos !== undefined),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    ...envProps(read),
    description: 'image-updater: registry pushes → GitHub pull requests',
  };
  return { stackName: stackName ?? DEFAULT_STACK_NAME, props };
}

function ecrProps(read: ContextReaders): Optional {
  return {
    ecrRepositoryPrefixes: read.list('ecrRepositoryPrefixes'),
    ecrAccounts: read.eachMatching('ecrAccounts', ACCOUNT, '12-digit AWS account ids'),
    ecrRegions: read.eachMatching('ecrRegions', REGION, 'region names such as eu-west-1'),
  };
}

function githubProps(read: ContextReaders): Optional {
  return {
    githubAuth: read.oneOf<GitHubAuthKind>('githubAuth', ['app', 'token']),
    githubSecretArn: read.matching('githubSecretArn', arn('secretsmanager'), SECRET_ARN_FORM),
    githubSecretName: read.text('githubSecretName'),
    githubApiUrl: read.text('githubApiUrl'),
  };
}

/** Schedule, throughput, logs, metrics and alarms. */
function runtimeProps(read: ContextReaders): Optional {
  const schedule = read.text('reconcileSchedule');
  if (schedule !== undefined) {
    const problem = scheduleProblem(schedule);
    if (problem !== undefined)
      throw new InvalidPropsError(`context reconcileSchedule: ${problem}, got ${schedule}`);
  }
  const batchSize = read.int('batchSize', 1, 10_000);
  return {
    alarmTopicArn: read.matching(
      'alarmTopicArn',
      arn('sns'),
      'an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)',
    ),
    maxConcurrency: read.int('maxConcurrency', 2, 1000),
    batchSize,
    ...(batchSize !== undefined && batchSize > 10 ? { maxBatchingWindow: Duration.seconds(1) } : {}),
    logLevel: read.oneOf('logLevel', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const),
    metricsNamespace: read.text('metricsNamespace'),
    reconcileSchedule: schedule === undefined ? undefined : Schedule.expression(schedule),
  };
}

function secretsProps(read: ContextReaders): Optional {
  return {
    registryCredentialsSecretArn: read.matching(
      'registryCredentialsSecretArn',
      arn('secretsmanager'),
      SECRET_ARN_FORM,
    ),
    verifyKeySecretArns: read.eachMatching('verifyKeySecretArns', arn('secretsmanager'), SECRET_ARN_FORM),
    secretsKmsKeyArn: read.matching(
      'secretsKmsKeyArn',
      arn('kms'),
      'a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)',
    ),
  };
}

function webhookProps(read: ContextReaders): Optional {
  const webhookAllowedImages = read.list('webhookAllowedImages');
  const props = {
    webhookAllowedImages,
    webhookFrontDoor: read.oneOf<WebhookFrontDoor>('webhookFrontDoor', WEBHOOK_FRONT_DOORS),
    webhookReservedConcurrency: read.int('webhookReservedConcurrency', 1, 1000),
  };
  // After the values are checked: a bad value is reported as such, whatever else is set.
  if (webhookAllowedImages === undefined)
    for (const key of ['webhookFrontDoor', 'webhookReservedConcurrency'])
      if (read.text(key) !== undefined)
        throw new InvalidPropsError(
          `context ${key}: the webhook endpoint is off; set webhookAllowedImages to turn it on`,
        );
  return props;
}

/** Without `repos`, a GitHub App's repositories; `githubEvents` when its webhook reaches us. */
function discoveryProps(read: ContextReaders, listed: boolean): Optional {
  const names = read.list('discoverNames');
  const topic = read.text('discoverTopic');
  const events = read.oneOf('githubEvents', ['true', 'false'] as const);
  if (listed && (names !== undefined || topic !== undefined))
    throw new InvalidPropsError('context discoverNames/discoverTopic: they apply only without repos');
  const discovery = listed
    ? undefined
    : { ...(names !== undefined ? { names } : {}), ...(topic !== undefined ? { topic } : {}) };
  return { ...(discovery ? { discovery } : {}), ...(events === 'true' ? { githubEvents: true } : {}) };
}

function envProps(read: ContextReaders): Optional {
  const account = read.matching('account', ACCOUNT, 'a 12-digit AWS account id');
  const region = read.matching('region', REGION, 'a region name such as eu-west-1');
  return account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {};
}

function repositoriesFrom(value: unknown): WatchedRepository[] {
  return entriesFrom(value).map((entry) => {
    const parsed = WatchedRepoSchema.safeParse(entry);
    if (!parsed.success) {
      // Name the part that is wrong: a bad configPath is not a bad owner/name.
      const issue = parsed.error.issues[0];
      const part =
        issue?.path[0] === 'configPath' ? `configPath ${JSON.stringify(entry.configPath)}` : undefined;
      throw new InvalidPropsError(
        part
          ? `context repos: ${entry.repo}: ${part}: ${issue!.message}`
          : `context repos: ${JSON.stringify(entry.repo)} is not ${REPO_FORM}`,
      );
    }
    return entry;
  });
}

function entriesFrom(value: unknown): WatchedRepository[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      return entriesFrom(JSON.parse(value) as unknown);
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
        `context repos: ${JSON.stringify(entry)} is neither ${REPO_FORM.replace(' or ', ' nor ')}`,
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
