/**
 * What makes a first `cdk deploy` fail or go wrong in a real account, found with cfn-lint and
 * AWS's own rules: each case here failed before its fix.
 */
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { GITHUB_SECRET_PLACEHOLDER, ImageUpdater } from '../../lib/image-updater.ts';
import type { ImageUpdaterStackProps } from '../../lib/image-updater-stack.ts';
import {
  actionsOf,
  constructTemplate,
  iamStatements,
  removeTestOutdirs,
  stackTemplate,
  testApp,
} from '../support/cdk.ts';

afterAll(removeTestOutdirs);

const WEBHOOK = { allowedImages: ['ghcr.io/acme'] };
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/0d1f2e3c-aaaa-bbbb-cccc-123456789012';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (template: Template, type: string): Resources => template.findResources(type) as Resources;

describe('the webhook where function URLs do not exist', () => {
  it.each(['eu-south-2', 'ap-southeast-4', 'mx-central-1', 'cn-north-1', 'us-gov-west-1'])(
    'refuses a function URL in %s at synth, naming the other front door',
    (region) => {
      expect(() => constructTemplate({ env: { account: '111122223333', region }, webhook: WEBHOOK })).toThrow(
        /function URLs do not exist in .*webhookFrontDoor=http-api/,
      );
    },
  );

  it('deploys the HTTP API front door there', () => {
    const { template } = constructTemplate({
      env: { account: '111122223333', region: 'eu-south-2' },
      webhook: { ...WEBHOOK, frontDoor: 'http-api' },
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::Lambda::Url', 0);
  });

  it('makes an environment-agnostic template fail the deploy before creating anything there', () => {
    const { template } = constructTemplate({ webhook: WEBHOOK });
    const rules = (template.toJSON() as { Rules?: Record<string, { Assertions: unknown[] }> }).Rules ?? {};
    const text = JSON.stringify(Object.values(rules));
    expect(text).toContain('eu-south-2');
    expect(text).toContain('aws-us-gov');
    expect(text).toContain('webhookFrontDoor=http-api');
  });
});

describe('the HTTP API front door (AWS Control Tower CT.LAMBDA.PR.2, CT.LAMBDA.PR.5)', () => {
  const { template, updater } = constructTemplate({ webhook: { ...WEBHOOK, frontDoor: 'http-api' } });

  it('has no function URL and no permission for any principal', () => {
    template.resourceCountIs('AWS::Lambda::Url', 0);
    const permissions = Object.values(resources(template, 'AWS::Lambda::Permission'));
    expect(permissions.map((p) => p.Properties.Principal)).toContain('apigateway.amazonaws.com');
    for (const p of permissions) {
      expect(p.Properties.Principal).toMatch(/^[a-z]+\.amazonaws\.com$/);
      expect(p.Properties.SourceArn).toBeDefined();
    }
  });

  it('routes every path to the function, logs access and throttles', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50 }),
    });
    expect(updater.webhookApi).toBeDefined();
    expect(updater.webhookUrl).toBeUndefined();
  });

  it('is chosen from context and still outputs WebhookUrl', () => {
    const t = stackTemplate({ webhookAllowedImages: ['ghcr.io/acme'], webhookFrontDoor: 'http-api' });
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    t.hasOutput('WebhookUrl', {});
  });
});

describe('reserved concurrency of the webhook', () => {
  it('is reserved only when asked for', () => {
    const { template } = constructTemplate({ webhook: { ...WEBHOOK, reservedConcurrency: 5 } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 5,
      Environment: { Variables: Match.objectLike({ WEBHOOK_SECRET_ID: Match.anyValue() }) },
    });
    const fromContext = stackTemplate({ webhookAllowedImages: ['ghcr.io/acme'] });
    for (const fn of Object.values(resources(fromContext, 'AWS::Lambda::Function')))
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('imported secrets encrypted with a customer-managed key', () => {
  it.each<[string, Partial<ImageUpdaterStackProps>]>([
    [
      'githubSecretArn',
      { githubSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:gh-AbCdEf' },
    ],
    ['githubSecretName', { githubSecretName: 'prod/github' }],
    [
      'registryCredentialsSecretArn',
      { registryCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:reg-AbCdEf' },
    ],
    [
      'verifyKeySecretArns',
      { verifyKeySecretArns: ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:cosign-AbCdEf'] },
    ],
  ])('lets both functions decrypt with the key (%s)', (_, props) => {
    const template = stackTemplate({ ...props, secretsKmsKeyArn: KEY });
    const decrypt = iamStatements(template).filter(
      (s) => actionsOf(s).includes('kms:Decrypt') && JSON.stringify(s.Resource) === JSON.stringify(KEY),
    );
    expect(decrypt).toHaveLength(2);
  });

  it('refuses a key with no imported secret to use it on', () => {
    expect(() => stackTemplate({ secretsKmsKeyArn: KEY })).toThrow(
      /secretsKmsKeyArn applies to imported secrets/,
    );
  });
});

describe('the created GitHub secret', () => {
  it('is the identical resource in every variant, so no deploy writes over the stored credentials', () => {
    const variants: Partial<ImageUpdaterStackProps>[] = [
      {},
      { githubAuth: 'token' },
      { githubAuth: 'app', githubApiUrl: 'https://github.example.com/api/v3' },
      { webhookAllowedImages: ['*'], webhookFrontDoor: 'http-api' },
      { ecrAccounts: ['111122223333', '444455556666'], maxConcurrency: 4, batchSize: 10 },
      { env: { account: '111122223333', region: 'eu-west-1' }, repositories: [] },
    ];
    const secrets = variants.map((props) => {
      const found = Object.entries(resources(stackTemplate(props), 'AWS::SecretsManager::Secret')).filter(
        ([id]) => id.includes('GitHubSecret'),
      );
      expect(found).toHaveLength(1);
      return found[0];
    });
    for (const s of secrets) expect(s).toEqual(secrets[0]);
    expect(secrets[0]?.[1].Properties.SecretString).toBe(GITHUB_SECRET_PLACEHOLDER);
  });
});

describe('alarms and outputs', () => {
  it('warns at synth when the alarms have no topic, and not when they have one', () => {
    const bare = constructTemplate({});
    Annotations.fromStack(Stack.of(bare.updater)).hasWarning(
      '*',
      Match.stringLikeRegexp('No alarm topic .*notify no one'),
    );
    const app = testApp();
    const stack = new Stack(app, 'WithTopic');
    new ImageUpdater(stack, 'Updater', {
      repositories: [{ repo: 'acme/gitops' }],
      alarmTopic: new sns.Topic(stack, 'Topic'),
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('No alarm topic'));
  });

  it('outputs the DLQ ARN the redrive needs', () => {
    stackTemplate().hasOutput('DeadLetterQueueArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] },
    });
  });
});
