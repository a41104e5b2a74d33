import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageUpdater } from '../../lib/image-updater.ts';
import {
  actionsOf,
  constructTemplate,
  iamStatements,
  removeTestOutdirs,
  stackTemplate,
  testApp,
} from '../support/cdk.ts';

const ENV = { account: '111122223333', region: 'eu-west-1' };

afterAll(removeTestOutdirs);

describe('ImageUpdater construct', () => {
  it('routes successful ECR pushes of the allowed repositories to the queue, with the DLQ for undeliverable events', () => {
    const { template } = constructTemplate({ env: ENV, ecrRepositoryPrefixes: ['shop/', 'platform/api'] });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: {
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Action'],
        account: ['111122223333'],
        region: ['eu-west-1'],
        detail: {
          'action-type': ['PUSH'],
          result: ['SUCCESS'],
          'repository-name': [{ prefix: 'shop/' }, { prefix: 'platform/api' }],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('UpdaterQueue'), 'Arn'] },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('UpdaterDeadLetterQueue'), 'Arn'] },
          },
        }),
      ],
    });
  });

  it('does not filter on repository names when no prefix is given', () => {
    const { template } = constructTemplate({ env: ENV });
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: Match.anyValue() },
    });
    const pattern = Object.values(rules)[0]!.Properties.EventPattern as { detail: Record<string, unknown> };
    expect(pattern.detail).toEqual({ 'action-type': ['PUSH'], result: ['SUCCESS'] });
  });

  it('has a queue with a dead-letter queue, encrypted, TLS only, and a visibility timeout six times the worker timeout', () => {
    const { template } = constructTemplate({ env: ENV });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 720,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 20,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
  });

  it('feeds the worker in batches of up to 1,000 (a returned burst comes back as one batch) with partial batch failures and a maximum concurrency', () => {
    const { template } = constructTemplate({ env: ENV, maxConcurrency: 4 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it('falls back to batches of 10 when the batching window is switched off', () => {
    const { template } = constructTemplate({ env: ENV, maxBatchingWindow: Duration.seconds(0) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10 });
  });

  it('splits GitHub’s 80 writes a minute between the worker instances and the reconcile', () => {
    const { template } = constructTemplate({ env: ENV, maxConcurrency: 4 });
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ GITHUB_WRITES_PER_MINUTE: '16' }) },
    });
  });

  it('runs both functions on Node.js 22, arm64, with their settings in the environment', () => {
    const { template } = constructTemplate({
      env: ENV,
      repositories: [
        { repo: 'acme/gitops' },
        { repo: 'acme/platform', configPath: 'deploy/.image-updater.yaml' },
      ],
      githubAuth: 'token',
      githubApiUrl: 'https://github.example.com/api/v3',
    });
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          WATCHED_REPOS: JSON.stringify([
            { repo: 'acme/gitops' },
            { repo: 'acme/platform', configPath: 'deploy/.image-updater.yaml' },
          ]),
          GITHUB_AUTH: 'token',
          GITHUB_API_URL: 'https://github.example.com/api/v3',
          GITHUB_SECRET_ID: { Ref: Match.stringLikeRegexp('GitHubSecret') },
        }),
      },
    });
  });

  it('grants no wildcard action, ECR reads on the allowed repositories only, and the one secret', () => {
    const { template } = constructTemplate({
      env: ENV,
      ecrRepositoryPrefixes: ['shop/'],
      ecrAccounts: ['111122223333', '444455556666'],
    });
    const statements = iamStatements(template);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const action of actionsOf(s)) expect(action).not.toContain('*');
    }
    const ecr = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ecr:')));
    expect(ecr).toHaveLength(2);
    for (const s of ecr) {
      expect(actionsOf(s)).toEqual(['ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer']);
      const resources = (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(2);
      expect(resources[0]).toMatch(/:ecr:eu-west-1:111122223333:repository\/shop\/\*/);
      expect(resources[1]).toMatch(/:ecr:eu-west-1:444455556666:repository\/shop\/\*/);
    }
    const secrets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets).toHaveLength(2);
    for (const s of secrets) {
      expect(actionsOf(s)).toEqual(['secretsmanager:GetSecretValue']);
      expect(s.Resource).toEqual({ Ref: expect.stringMatching(/GitHubSecret/) });
    }
    // Logs go to each function's own log group, and the queue is consumed by the worker alone.
    const logs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    for (const s of logs) expect(JSON.stringify(s.Resource)).toMatch(/Logs[0-9A-F]{8}/);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
  });

  it('reads an existing secret by name through its full ARN pattern', () => {
    const app = testApp();
    const stack = new Stack(app, 'S', { env: ENV });
    new ImageUpdater(stack, 'U', {
      repositories: [{ repo: 'acme/gitops' }],
      githubSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'prod/github'),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const secrets = iamStatements(template).filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(JSON.stringify(secrets[0]!.Resource)).toContain(':secret:prod/github-??????');
  });

  it('creates a secret holding an empty placeholder of either format when none is given', () => {
    const { template } = constructTemplate({ env: ENV, githubAuth: 'app' });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: JSON.stringify({ appId: '', privateKey: '', token: '' }),
    });
  });

  it('lets the other ECR accounts put events on the bus', () => {
    const { template } = constructTemplate({ env: ENV, ecrAccounts: ['111122223333', '444455556666'] });
    template.resourceCountIs('AWS::Events::EventBusPolicy', 1);
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: 'default',
      Statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: {
          AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::444455556666:root']] },
        },
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111122223333:event-bus/default'],
          ],
        },
      },
    });
  });

  it('runs the reconcile on the schedule, without retries', () => {
    const { template } = constructTemplate({
      env: ENV,
      reconcileSchedule: Schedule.rate(Duration.minutes(30)),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Reconcile'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it('alarms on the dead-letter queue, queue age, function errors and dropped pushes, notifying the topic', () => {
    const app = testApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const topic = new sns.Topic(stack, 'Alarms');
    new ImageUpdater(stack, 'U', { repositories: [{ repo: 'acme/gitops' }], alarmTopic: topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 900,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RecordsDropped',
      Namespace: 'ImageUpdater',
      Dimensions: [{ Name: 'service', Value: 'image-updater-worker' }],
    });
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
  });

  it('draws a dashboard of the worker’s metrics', () => {
    const { template } = constructTemplate({ env: ENV, metricsNamespace: 'Shop/ImageUpdater' });
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0]!.Properties.DashboardBody);
    for (const name of [
      'EventsReceived',
      'PullRequestsOpened',
      'PullRequestsMerged',
      'PushToPullRequestLatency',
      'Failures',
      'Shop/ImageUpdater',
    ]) {
      expect(body).toContain(name);
    }
  });

  it('lets a producer (the webhook function) enqueue pushes', () => {
    const app = testApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const updater = new ImageUpdater(stack, 'U', { repositories: [{ repo: 'acme/gitops' }] });
    const producer = new iam.Role(stack, 'Producer', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    updater.grantEnqueue(producer);
    // Besides the producer, only the role EventBridge Scheduler uses to re-queue held pushes sends.
    const statements = iamStatements(Template.fromStack(stack)).filter(
      (s) => actionsOf(s).includes('sqs:SendMessage') && s.Sid !== 'SendToWorkQueue',
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/UQueue/), 'Arn'] });
  });

  it.each([
    ['a repository that is not owner/name', { repositories: [{ repo: 'gitops' }] }, /owner\/name/],
    [
      'a repository listed twice',
      { repositories: [{ repo: 'acme/gitops' }, { repo: 'Acme/GitOps' }] },
      /twice/,
    ],
    [
      'a config path outside the repository',
      { repositories: [{ repo: 'acme/gitops', configPath: '../x.yaml' }] },
      /inside the repository/,
    ],
    ['an uppercase ECR prefix', { ecrRepositoryPrefixes: ['Shop/'] }, /ecrRepositoryPrefixes/],
    ['an account that is not 12 digits', { ecrAccounts: ['1234'] }, /ecrAccounts/],
    ['a maximum concurrency of 1', { maxConcurrency: 1 }, /maxConcurrency/],
    ['a GHES URL over http', { githubApiUrl: 'http://github.example.com/api/v3' }, /githubApiUrl/],
    [
      'batches over 10 without a batching window (Lambda would refuse it at deploy)',
      { batchSize: 100, maxBatchingWindow: Duration.seconds(0) },
      /batchSize 100 needs a maxBatchingWindow of at least 1 second/,
    ],
    ['a batch size over SQS’s 10,000', { batchSize: 20_000 }, /batchSize must be/],
  ])('refuses %s at synth time', (_name, props, message) => {
    expect(() => constructTemplate({ env: ENV, ...props })).toThrow(message);
  });
});

describe('ImageUpdaterStack', () => {
  it('outputs where to put the credentials and where failed pushes wait', () => {
    const template = stackTemplate();
    for (const output of ['GitHubSecretArn', 'QueueUrl', 'DeadLetterQueueUrl', 'DashboardName'])
      template.hasOutput(output, Match.anyValue());
  });

  it('uses an existing secret and alarm topic by ARN', () => {
    const template = stackTemplate({
      env: ENV,
      githubSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/github-AbCdEf',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:eu-west-1:111122223333:alarms'],
    });
    const secrets = iamStatements(template).filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(secrets.map((s) => s.Resource)).toEqual([
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/github-AbCdEf',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/github-AbCdEf',
    ]);
  });
});

describe('ImageUpdater at organisation scale', () => {
  it('keeps the image index in an on-demand table with point-in-time recovery, and tells the functions whether GitHub events keep it fresh', () => {
    const { template } = constructTemplate({
      env: ENV,
      repositories: undefined,
      discovery: { names: ['acme/env-*'] },
      githubEvents: true,
      webhook: { allowedImages: ['ghcr.io/acme'] },
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          WATCHED_REPOS: '[]',
          DISCOVERY: '{"names":["acme/env-*"]}',
          GITHUB_EVENTS: 'on',
        }),
      },
    });
  });

  it.each([
    [
      { githubEvents: true },
      /githubEvents needs the webhook endpoint \(the `webhook` prop, or -c webhookAllowedImages=…\)/,
    ],
    [
      { repositories: undefined, discovery: {}, githubAuth: 'token' as const },
      /no repositories are listed and githubAuth is "token"/,
    ],
  ])('refuses %j at synth', (props, message) => {
    expect(() => constructTemplate({ env: ENV, ...props })).toThrow(message);
  });
});
