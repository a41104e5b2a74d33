import { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageUpdaterStack } from '../../lib/image-updater-stack.ts';
import { removeTestOutdirs, testApp } from '../support/cdk.ts';

afterAll(removeTestOutdirs);

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['with a created secret, one account', { repositories: [{ repo: 'acme/gitops' }] }],
    [
      'with prefixes, several accounts and regions, an existing secret and a topic',
      {
        repositories: [{ repo: 'acme/gitops' }],
        env: { account: '111122223333', region: 'eu-west-1' },
        ecrRepositoryPrefixes: ['shop/', 'platform/'],
        ecrAccounts: ['111122223333', '444455556666'],
        ecrRegions: ['eu-west-1', 'us-east-1'],
        githubSecretName: 'prod/github',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
      },
    ],
    [
      'with the function-URL webhook',
      { repositories: [{ repo: 'acme/gitops' }], webhookAllowedImages: ['ghcr.io/acme'] },
    ],
    [
      'with the HTTP API webhook and a KMS-encrypted imported secret',
      {
        repositories: [{ repo: 'acme/gitops' }],
        webhookAllowedImages: ['ghcr.io/acme'],
        webhookFrontDoor: 'http-api' as const,
        githubSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:gh-AbCdEf',
        secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0d1f2e3c-aaaa-bbbb-cccc-123456789012',
      },
    ],
  ])('has no unacknowledged finding %s', (_name, props) => {
    const app = testApp({ nag: true });
    new ImageUpdaterStack(app, 'ImageUpdater', props);
    expect(() => app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it('every acknowledgement carries a reason', () => {
    const app = testApp({ nag: true });
    const stack = new ImageUpdaterStack(app, 'ImageUpdater', { repositories: [{ repo: 'acme/gitops' }] });
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
          .map((m) => m.data as Record<string, { reason?: string } | string>),
      );
    const entries = acknowledged.flatMap((d) => Object.entries(d));
    expect(entries.map(([id]) => id.replace(/^\w+::/, ''))).toEqual(
      expect.arrayContaining([
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
        'AwsSolutions-L1',
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::arn:/),
      ]),
    );
    for (const [, value] of entries) expect(JSON.stringify(value).length).toBeGreaterThan(40);
  });

  it('the checks are live: an unacknowledged finding fails synthesis', () => {
    const app = testApp({ nag: true });
    new sqs.Queue(new Stack(app, 'Bad'), 'PlainQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
