import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_BODY_BYTES } from '../../lambdas/ports/http.ts';
import { parseWebhookEnv } from '../../lambdas/handlers/webhook-env.ts';
import { InvalidPropsError } from '../../lib/errors.ts';
import { REGIONS_WITHOUT_FUNCTION_URLS } from '../../lib/regions.ts';
import { WebhookEndpoint, type WebhookEndpointProps } from '../../lib/webhook-endpoint.ts';
import { IndexTable } from '../../lib/index-table.ts';
import { WorkQueue } from '../../lib/work-queue.ts';
import { actionsOf, iamStatements, removeTestOutdirs, testApp } from '../support/cdk.ts';

afterAll(removeTestOutdirs);

type Options = Partial<Omit<WebhookEndpointProps, 'queue' | 'settings' | 'indexTable'>> & {
  region?: string | null;
};

function endpoint(options: Options = {}) {
  const { region = 'eu-west-1', ...props } = options;
  const stack = new Stack(
    testApp(),
    'T',
    region === null ? {} : { env: { account: '111122223333', region } },
  );
  const queue = new WorkQueue(stack, { visibilityTimeout: Duration.minutes(12) });
  const webhook = new WebhookEndpoint(stack, {
    allowedImages: ['ghcr.io/acme'],
    queue,
    indexTable: new IndexTable(stack),
    settings: {
      metricsNamespace: 'ImageUpdater',
      logLevel: 'INFO',
      logRetention: logs.RetentionDays.ONE_MONTH,
    },
    ...props,
  });
  return { stack, webhook, template: Template.fromStack(stack) };
}

function variables(template: Template): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  return (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties
    .Environment.Variables;
}

describe('WebhookEndpoint', () => {
  it('gives the function an environment its own parser accepts, with the default body limit', () => {
    const vars = variables(
      endpoint({ allowedImages: ['ghcr.io/acme', 'registry.example.com:5000/shop'] }).template,
    );
    // The queue URL and the secret's ARN are references until deploy; stand in real values.
    const env = parseWebhookEnv({
      ...(vars as Record<string, string>),
      QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/q',
      WEBHOOK_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:w-AbCdEf',
      INDEX_TABLE_NAME: 'image-updater-index',
    });
    expect(vars.INDEX_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^IndexTable/) });
    expect(env.WEBHOOK_MAX_BODY_BYTES).toBe(MAX_WEBHOOK_BODY_BYTES);
    expect(env.allowList.allows('ghcr.io/acme/api')).toBe(true);
    expect(env.allowList.allows('ghcr.io/other/api')).toBe(false);
  });

  it('may read its secret, send to the work queue and claim GitHub delivery ids, nothing more', () => {
    const { template } = endpoint();
    const grants = iamStatements(template).map((s) => `${s.Sid ?? '-'} ${actionsOf(s).sort().join(',')}`);
    expect(grants.sort()).toEqual([
      '- dynamodb:DeleteItem,dynamodb:PutItem',
      '- sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage',
      'ReadWebhookSecret secretsmanager:GetSecretValue',
      'WriteOwnLogs logs:CreateLogStream,logs:PutLogEvents',
    ]);
    // Only the delivery items: the index itself is the worker's.
    const dynamo = iamStatements(template).find((s) => actionsOf(s).includes('dynamodb:PutItem'));
    expect((dynamo as { Condition?: unknown } | undefined)?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['delivery#*'] },
    });
  });

  it('answers on a function URL by default, or on an HTTP API that throttles floods at the door', () => {
    const url = endpoint().template;
    url.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    url.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    const api = endpoint({ frontDoor: 'http-api', reservedConcurrency: 20 }).template;
    api.resourceCountIs('AWS::Lambda::Url', 0);
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    api.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'apigateway.amazonaws.com' });
    api.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
  });

  it('refuses a function URL where none exist, and guards an environment-agnostic stack with a rule', () => {
    const region = REGIONS_WITHOUT_FUNCTION_URLS[0]!;
    expect(() => endpoint({ region })).toThrow(/function URLs do not exist in/);
    expect(() => endpoint({ region, frontDoor: 'http-api' })).not.toThrow();
    const agnostic = endpoint({ region: null }).template.toJSON() as { Rules?: Record<string, unknown> };
    expect(Object.keys(agnostic.Rules ?? {})).toContainEqual(expect.stringMatching(/^FunctionUrlsAvailable/));
  });

  it.each([
    [{ allowedImages: [] }, /webhook\.allowedImages/],
    [{ allowedImages: ['not a registry'] }, /webhook\.allowedImages/],
    [{ frontDoor: 'alb' as never }, /webhook\.frontDoor: expected one of function-url, http-api/],
    [{ reservedConcurrency: 0 }, /webhook\.reservedConcurrency must be a positive integer/],
  ])('refuses %j at synth', (props, message) => {
    expect(() => endpoint(props)).toThrow(InvalidPropsError);
    expect(() => endpoint(props)).toThrow(message);
  });

  it('keeps a secret the user gives, and generates 48 characters otherwise', () => {
    endpoint().template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
    const { template } = endpoint({ maxBodyBytes: 2048 });
    expect(variables(template)).toMatchObject({ WEBHOOK_MAX_BODY_BYTES: '2048' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 10,
      MemorySize: 256,
      ReservedConcurrentExecutions: Match.absent(),
    });
  });
});
