import { Match } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageUpdater } from '../../lib/image-updater.ts';
import { stackFromContext } from '../../lib/context.ts';
import {
  constructTemplate,
  iamStatements,
  removeTestOutdirs,
  stackTemplate,
  testApp,
} from '../support/cdk.ts';

const ENV = { account: '111122223333', region: 'eu-west-1' };

afterAll(removeTestOutdirs);

describe('ImageUpdater webhook endpoint', () => {
  it('is off by default', () => {
    const { template, updater } = constructTemplate({ env: ENV });
    template.resourceCountIs('AWS::Lambda::Url', 0);
    expect(updater.webhookFunction).toBeUndefined();
  });

  it('adds a function URL whose function enqueues to the worker queue with a generated secret', () => {
    const { template, updater } = constructTemplate({
      env: ENV,
      webhook: { allowedImages: ['ghcr.io/acme', 'registry.example.com:5000/shop'] },
    });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 10,
      ReservedConcurrentExecutions: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          WEBHOOK_ALLOWED_IMAGES: '["ghcr.io/acme","registry.example.com:5000/shop"]',
          QUEUE_URL: Match.anyValue(),
          WEBHOOK_SECRET_ID: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
    expect(updater.webhookUrl).toBeDefined();
    const webhookStatements = iamStatements(template).filter((s) => s.Sid === 'ReadWebhookSecret');
    expect(webhookStatements).toHaveLength(1);
    expect(webhookStatements[0]?.Action).toBe('secretsmanager:GetSecretValue');
    const send = iamStatements(template).find(
      (s) => [s.Action].flat().includes('sqs:SendMessage') && s.Effect === 'Allow',
    );
    expect(send).toBeDefined();
    for (const s of iamStatements(template))
      expect([s.Action].flat().some((a) => a.endsWith('*') || a === '*')).toBe(false);
  });

  it.each([[[]], [['ghcr.io/Acme']], [['not a registry']]])(
    'refuses the allow-list %j at synth',
    (allowedImages) => {
      const stack = new Stack(testApp(), 'T', { env: ENV });
      expect(
        () => new ImageUpdater(stack, 'U', { repositories: [{ repo: 'a/b' }], webhook: { allowedImages } }),
      ).toThrow(/webhook\.allowedImages/);
    },
  );

  it('lets the worker and the reconcile read registry credentials for tag listing', async () => {
    const stack = new Stack(testApp(), 'T', { env: ENV });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'S',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:registry-AbCdEf',
    );
    const updater = new ImageUpdater(stack, 'U', {
      repositories: [{ repo: 'a/b' }],
      registryCredentialsSecret: secret,
    });
    expect(updater.workerFunction).toBeDefined();
    const template = (await import('aws-cdk-lib/assertions')).Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REGISTRY_CREDENTIALS_SECRET_ID: secret.secretArn }) },
    });
    expect(iamStatements(template).filter((s) => s.Sid === 'ReadRegistryCredentials')).toHaveLength(2);
  });

  it('is turned on from context by webhookAllowedImages, with the URL as an output', () => {
    const node = {
      tryGetContext: (key: string) => ({ repos: 'acme/gitops', webhookAllowedImages: 'ghcr.io/acme' })[key],
    };
    const { props } = stackFromContext(node);
    const template = stackTemplate(props);
    template.hasOutput('WebhookUrl', {});
    template.hasOutput('WebhookSecretArn', {});
  });
});
