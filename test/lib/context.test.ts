import { describe, expect, it } from 'vitest';
import { stackFromContext } from '../../lib/context.ts';

const from = (context: Record<string, unknown>, env: Record<string, string | undefined> = {}) =>
  stackFromContext({ tryGetContext: (key) => context[key] }, env);

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

  it('needs no context at all to synthesise (nothing watched)', () => {
    const { stackName, props } = from({});
    expect(stackName).toBe('ImageUpdater');
    expect(props.repositories).toEqual([]);
    expect(props.env).toBeUndefined();
  });

  it('reads every documented key', () => {
    const { stackName, props } = from(
      {
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
      },
      { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' },
    );
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
      env: { account: '111122223333', region: 'eu-west-1' },
    });
    expect(props.reconcileSchedule?.expressionString).toBe('cron(0 6 * * ? *)');
    // SQS requires a batching window for batches above 10.
    expect(props.maxBatchingWindow?.toSeconds()).toBe(1);
  });

  it.each([
    ['githubAuth', 'oauth', /githubAuth: expected one of app, token/],
    ['maxConcurrency', 'two', /maxConcurrency: expected a whole number/],
    ['reconcileSchedule', 'hourly', /reconcileSchedule: expected rate/],
    ['logLevel', 'TRACE', /logLevel/],
    ['repos', '[not json', /repos: starts with \[ but is not JSON/],
    ['repos', [42], /neither/],
  ])('says which key is wrong: %s = %j', (key, value, message) => {
    expect(() => from({ repos: 'acme/gitops', [key]: value })).toThrow(message);
  });
});
