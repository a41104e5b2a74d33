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
 * | `maxConcurrency`, `batchSize` | numbers (default 2, 1000; a `batchSize` over 10 gets a 1-second batching window) |
 * | `logLevel` | `DEBUG`, `INFO` (default), `WARN`, `ERROR` |
 * | `metricsNamespace` | default `ImageUpdater` |
 * | `webhookAllowedImages` | comma-separated `REGISTRY[/PATH-PREFIX]` (or `*`): turns the webhook endpoint on |
 * | `webhookFrontDoor` | `function-url` (default) or `http-api` |
 * | `webhookReservedConcurrency` | a number; default none |
 * | `registryCredentialsSecretArn` | secret with registry credentials for tag listing (non-ECR) |
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
import { InvalidPropsError } from './errors.ts';
import { WEBHOOK_FRONT_DOORS, type WebhookFrontDoor } from './webhook-endpoint.ts';
import type { GitHubAuthKind, WatchedRepository } from './image-updater.ts';
import type { ImageUpdaterStackProps } from './image-updater-stack.ts';

export interface ContextSource {
  tryGetContext(key: string): unknown;
}

const DEFAULT_STACK_NAME = 'ImageUpdater';

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/** Every key `stackFromContext` reads: a key outside it is a typo (`-c repo=`), said at synth. */
const CONTEXT_KEYS = [
  'repos',
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

/**
 * EventBridge's schedule expressions: `rate(1 minute)`, `rate(5 minutes)` (singular exactly for
 * 1, a value of at least 1) or `cron(` six fields `)`; anything else fails only at deploy.
 */
function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)(s?)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return 'a rate needs a value of at least 1';
    if ((n === 1) !== (rate[3] === '')) return `expected rate(1 ${rate[2]}) or rate(N ${rate[2]}s)`;
    return undefined;
  }
  if (/^cron\(\S+( \S+){5}\)$/.test(expression)) return undefined;
  return 'expected rate(N minutes|hours|days) or cron(six fields)';
}

const SECRET_ARN_FORM =
  'a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)';
const REPO_FORM = '"owner/name[:configPath]" or {"repo": "owner/name", "configPath": "…"}';

export function stackFromContext(node: ContextSource): {
  readonly stackName: string;
  readonly props: ImageUpdaterStackProps;
} {
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
  const int = (key: string, min: number, max: number): number | undefined => {
    const t = text(key);
    if (t === undefined) return undefined;
    const n = /^\d+$/.test(t) ? Number(t) : NaN;
    if (!(n >= min && n <= max))
      throw new InvalidPropsError(`context ${key}: expected a whole number from ${min} to ${max}, got ${t}`);
    return n;
  };
  const matching = (key: string, pattern: RegExp, form: string): string | undefined => {
    const t = text(key);
    if (t !== undefined && !pattern.test(t))
      throw new InvalidPropsError(`context ${key}: expected ${form}, got ${t}`);
    return t;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const t = text(key);
    if (t !== undefined && !allowed.includes(t as T))
      throw new InvalidPropsError(`context ${key}: expected one of ${allowed.join(', ')}, got ${t}`);
    return t as T | undefined;
  };

  const schedule = text('reconcileSchedule');
  if (schedule !== undefined) {
    const problem = scheduleProblem(schedule);
    if (problem !== undefined)
      throw new InvalidPropsError(`context reconcileSchedule: ${problem}, got ${schedule}`);
  }
  const githubAuth = oneOf<GitHubAuthKind>('githubAuth', ['app', 'token']);
  const logLevel = oneOf('logLevel', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const);
  const maxConcurrency = int('maxConcurrency', 2, 1000);
  const batchSize = int('batchSize', 1, 10_000);
  const arn = (service: string) => new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`);
  const eachMatching = (key: string, pattern: RegExp, form: string): string[] | undefined => {
    const values = list(key);
    const bad = values?.find((v) => !pattern.test(v));
    if (bad !== undefined) throw new InvalidPropsError(`context ${key}: expected ${form}, got ${bad}`);
    return values;
  };
  const webhookAllowedImages = list('webhookAllowedImages');
  const optional = {
    ecrRepositoryPrefixes: list('ecrRepositoryPrefixes'),
    ecrAccounts: eachMatching('ecrAccounts', ACCOUNT, '12-digit AWS account ids'),
    ecrRegions: eachMatching('ecrRegions', REGION, 'region names such as eu-west-1'),
    githubAuth,
    githubSecretArn: matching('githubSecretArn', arn('secretsmanager'), SECRET_ARN_FORM),
    githubSecretName: text('githubSecretName'),
    githubApiUrl: text('githubApiUrl'),
    alarmTopicArn: matching(
      'alarmTopicArn',
      arn('sns'),
      'an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)',
    ),
    maxConcurrency,
    batchSize,
    ...(batchSize !== undefined && batchSize > 10 ? { maxBatchingWindow: Duration.seconds(1) } : {}),
    logLevel,
    metricsNamespace: text('metricsNamespace'),
    reconcileSchedule: schedule === undefined ? undefined : Schedule.expression(schedule),
    webhookAllowedImages,
    webhookFrontDoor: oneOf<WebhookFrontDoor>('webhookFrontDoor', WEBHOOK_FRONT_DOORS),
    webhookReservedConcurrency: int('webhookReservedConcurrency', 1, 1000),
    registryCredentialsSecretArn: matching(
      'registryCredentialsSecretArn',
      arn('secretsmanager'),
      SECRET_ARN_FORM,
    ),
    secretsKmsKeyArn: matching(
      'secretsKmsKeyArn',
      arn('kms'),
      'a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)',
    ),
  };
  // After the values are checked: a bad value is reported as such, whatever else is set.
  if (webhookAllowedImages === undefined)
    for (const key of ['webhookFrontDoor', 'webhookReservedConcurrency'])
      if (text(key) !== undefined)
        throw new InvalidPropsError(
          `context ${key}: the webhook endpoint is off; set webhookAllowedImages to turn it on`,
        );
  const account = matching('account', ACCOUNT, 'a 12-digit AWS account id');
  const region = matching('region', REGION, 'a region name such as eu-west-1');
  const stackName = matching(
    'stackName',
    /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
    'a CloudFormation stack name (a letter, then letters, digits and hyphens; at most 128)',
  );
  const props: ImageUpdaterStackProps = {
    repositories: repositoriesFrom(node.tryGetContext('repos')),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
    description: 'image-updater: registry pushes → GitHub pull requests',
  };
  return { stackName: stackName ?? DEFAULT_STACK_NAME, props };
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
