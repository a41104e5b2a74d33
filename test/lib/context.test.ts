import { describe, expect, it } from 'vitest';
import { stackFromContext, unknownContextKeys } from '../../lib/context.ts';

const from = (context: Record<string, unknown>) => stackFromContext({ tryGetContext: (key) => context[key] });

describe('stack props from CDK context', () => {
  it('reads repositories as owner/name[:configPath], comma-separated', () => {
    expect(
      from({ repos: 'acme/gitops, acme/platform:deploy/.image-updater.yaml' }).props.repositories,
    ).toEqual([{ repo: 'acme/gitops' }, { repo: 'acme/platform', configPath: 'deploy/.image-updater.yaml' }]);
  });

  it('reads repositories as JSON (from -c or cdk.json)', () => {
    const expected = [{ repo: 'acme/gitops', configPath: 'x.yaml' }];
    expect(from({ repos: JSON.stringify(expected) }).props.repositories).toEqual(expected);
    expect(from({ repos: expected }).props.repositories).toEqual(expected);
    expect(from({ repos: ['acme/a', 'acme/b:c.yaml'] }).props.repositories).toEqual([
      { repo: 'acme/a' },
      { repo: 'acme/b', configPath: 'c.yaml' },
    ]);
  });

  it('needs no context at all to synthesise (the App discovers every repository with a config)', () => {
    const { stackName, props } = from({});
    expect(stackName).toBe('ImageUpdater');
    expect(props.repositories).toBeUndefined();
    expect(props.discovery).toEqual({});
    expect(props.env).toBeUndefined();
  });

  it.each([
    [
      { discoverNames: 'acme/env-*,platform/*', discoverTopic: 'gitops' },
      { names: ['acme/env-*', 'platform/*'], topic: 'gitops' },
    ],
    [{ repos: 'acme/gitops' }, undefined],
  ])('reads discovery from %j', (context, discovery) => {
    expect(from(context).props.discovery).toEqual(discovery);
  });

  it.each([
    [
      { repos: 'acme/gitops', discoverTopic: 'gitops' },
      /discoverNames\/discoverTopic: they apply only without repos/,
    ],
    [{ githubEvents: 'yes' }, /githubEvents/],
  ])('refuses %j', (context, message) => {
    expect(() => from(context)).toThrow(message);
  });

  it('reads every documented key', () => {
    const { stackName, props } = from({
      repos: 'acme/gitops',
      ecrRepositoryPrefixes: 'shop/,platform/',
      ecrAccounts: '111122223333,444455556666',
      ecrRegions: ['eu-west-1'],
      githubAuth: 'token',
      githubSecretName: 'prod/github',
      githubApiUrl: 'https://github.example.com/api/v3',
      reconcileSchedule: 'cron(0 6 * * ? *)',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
      maxConcurrency: '4',
      batchSize: 50,
      logLevel: 'DEBUG',
      metricsNamespace: 'Shop',
      stackName: 'ShopImageUpdater',
      webhookAllowedImages: 'ghcr.io/acme',
      webhookFrontDoor: 'http-api',
      webhookReservedConcurrency: '5',
      secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0d1f2e3c-aaaa-bbbb-cccc-123456789012',
      verifyKeySecretArns: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cosign-AbCdEf',
      account: '111122223333',
      region: 'eu-west-1',
    });
    expect(stackName).toBe('ShopImageUpdater');
    expect(props).toMatchObject({
      ecrRepositoryPrefixes: ['shop/', 'platform/'],
      ecrAccounts: ['111122223333', '444455556666'],
      ecrRegions: ['eu-west-1'],
      githubAuth: 'token',
      githubSecretName: 'prod/github',
      githubApiUrl: 'https://github.example.com/api/v3',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
      maxConcurrency: 4,
      batchSize: 50,
      logLevel: 'DEBUG',
      metricsNamespace: 'Shop',
      webhookFrontDoor: 'http-api',
      webhookReservedConcurrency: 5,
      secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0d1f2e3c-aaaa-bbbb-cccc-123456789012',
      verifyKeySecretArns: ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:cosign-AbCdEf'],
      env: { account: '111122223333', region: 'eu-west-1' },
    });
    expect(props.reconcileSchedule?.expressionString).toBe('cron(0 6 * * ? *)');
    // SQS requires a batching window for batches above 10.
    expect(props.maxBatchingWindow?.toSeconds()).toBe(1);
  });

  it.each([
    ['githubAuth', 'oauth', /githubAuth: expected one of app, token/],
    ['maxConcurrency', 'two', /maxConcurrency: expected a whole number from 2 to 1000, got two/],
    ['maxConcurrency', '0', /maxConcurrency: expected a whole number from 2 to 1000, got 0/],
    ['batchSize', 'abc', /batchSize: expected a whole number from 1 to 10000, got abc/],
    ['batchSize', '0', /batchSize: expected a whole number from 1 to 10000/],
    ['repos', 'not-a-repo', /repos: "not-a-repo" is not "owner\/name\[:configPath\]"/],
    ['repos', [{ repo: 'nope' }], /repos: "nope" is not/],
    ['webhookFrontDoor', 'alb', /webhookFrontDoor: expected one of function-url, http-api, got alb/],
    ['alarmTopicArn', 'alarms', /alarmTopicArn: expected an SNS topic ARN/],
    ['githubSecretArn', 'github', /githubSecretArn: expected a Secrets Manager secret ARN/],
    ['secretsKmsKeyArn', 'alias/x', /secretsKmsKeyArn: expected a KMS key ARN/],
    ['region', 'Europe', /region: expected a region name/],
    ['account', '1234', /account: expected a 12-digit AWS account id/],
    ['reconcileSchedule', 'hourly', /reconcileSchedule: expected rate/],
    ['logLevel', 'TRACE', /logLevel/],
    ['repos', '[not json', /repos: starts with \[ but is not JSON/],
    ['repos', [42], /neither/],
    ['repos', 'acme/gitops:../etc', /repos: acme\/gitops: configPath "..\/etc": /],
    ['stackName', 'bad_name!', /stackName: expected a CloudFormation stack name/],
    ['stackName', '1stack', /stackName: expected a CloudFormation stack name/],
    ['reconcileSchedule', 'rate(0 minutes)', /reconcileSchedule: a rate needs a value of at least 1/],
    [
      'reconcileSchedule',
      'rate(5 minute)',
      /reconcileSchedule: expected rate\(1 minute\) or rate\(N minutes\)/,
    ],
    ['reconcileSchedule', 'rate(1 hours)', /reconcileSchedule: expected rate\(1 hour\)/],
    ['reconcileSchedule', 'cron(0 6 * *)', /reconcileSchedule: expected rate/],
    ['ecrRegions', 'eu-west-1,mars-1', /ecrRegions: expected region names such as eu-west-1, got mars-1/],
    ['ecrAccounts', '123456789012,1234', /ecrAccounts: expected 12-digit AWS account ids, got 1234/],
    [
      'webhookFrontDoor',
      'http-api',
      /webhookFrontDoor: the webhook endpoint is off; set webhookAllowedImages/,
    ],
    ['webhookReservedConcurrency', '5', /webhookReservedConcurrency: the webhook endpoint is off/],
  ])('says which key is wrong: %s = %j', (key, value, message) => {
    expect(() => from({ repos: 'acme/gitops', [key]: value })).toThrow(message);
  });

  it.each([['rate(1 minute)'], ['rate(15 minutes)'], ['rate(1 day)'], ['cron(0 6 * * ? *)']])(
    'takes the schedule %s',
    (expression) => {
      expect(from({ reconcileSchedule: expression }).props.reconcileSchedule?.expressionString).toBe(
        expression,
      );
    },
  );

  it('names a context key nobody reads, and the key it was probably meant to be', () => {
    expect(
      unknownContextKeys({
        repo: 'acme/gitops',
        batchsize: '5',
        colour: 'blue',
        repos: 'acme/gitops',
        'cli-telemetry': false,
        '@aws-cdk/core:checkSecretUsage': true,
        'aws:cdk:enable-path-metadata': true,
      }),
    ).toEqual([
      'context repo is not a key image-updater reads (did you mean repos?); ignored',
      'context batchsize is not a key image-updater reads (did you mean batchSize?); ignored',
      'context colour is not a key image-updater reads; ignored',
    ]);
  });
});
