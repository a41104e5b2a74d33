import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFunctionEnv } from '../../lambdas/handlers/env.ts';
import { InvalidPropsError } from '../../lib/errors.ts';
import { UpdaterFunctions, type UpdaterFunctionsProps } from '../../lib/updater-functions.ts';
import { WorkQueue } from '../../lib/work-queue.ts';
import { IndexTable } from '../../lib/index-table.ts';
import { ReleaseAgeSchedules } from '../../lib/release-age-schedules.ts';
import { actionsOf, iamStatements, removeTestOutdirs, testApp } from '../support/cdk.ts';

afterAll(removeTestOutdirs);

const GITHUB_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:github-AbCdEf';
const REGISTRY_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:registry-AbCdEf';
const ECR_ARN = 'arn:aws:ecr:eu-west-1:111122223333:repository/shop/*';

function functions(props: Partial<UpdaterFunctionsProps> & { key?: boolean } = {}) {
  const stack = new Stack(testApp(), 'T', { env: { account: '111122223333', region: 'eu-west-1' } });
  const queue = new WorkQueue(stack, { visibilityTimeout: Duration.minutes(12) });
  const encryptionKey = props.key
    ? kms.Key.fromKeyArn(
        stack,
        'K',
        'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      )
    : undefined;
  const secret = (id: string, arn: string) =>
    secretsmanager.Secret.fromSecretAttributes(stack, id, {
      secretCompleteArn: arn,
      ...(encryptionKey ? { encryptionKey } : {}),
    });
  const { key: _key, ...rest } = props;
  const parts = new UpdaterFunctions(stack, {
    repositories: [{ repo: 'acme/gitops' }],
    queue,
    releaseAge: new ReleaseAgeSchedules(stack, queue),
    githubSecret: secret('GitHub', GITHUB_ARN),
    githubAuth: 'app',
    githubEvents: false,
    indexTable: new IndexTable(stack),
    ecrRepositoryArns: [ECR_ARN],
    settings: {
      metricsNamespace: 'ImageUpdater',
      logLevel: 'INFO',
      logRetention: logs.RetentionDays.ONE_MONTH,
    },
    ...rest,
    ...(props.registryCredentialsSecret === undefined && 'registryCredentialsSecret' in props
      ? { registryCredentialsSecret: secret('Registry', REGISTRY_ARN) }
      : {}),
  });
  return { stack, parts, template: Template.fromStack(stack) };
}

/** Statements of one function's role policy, as `Sid actions resource`. */
function grantsOf(template: Template, role: string): string[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${role}Role`) }] },
  });
  const t = Template.fromJSON({ Resources: policies });
  return iamStatements(t).map(
    (s) => `${s.Sid ?? '-'} ${actionsOf(s).sort().join(',')} ${JSON.stringify(s.Resource)}`,
  );
}

describe('UpdaterFunctions', () => {
  it('lets the worker consume the queue and the reconcile not touch it; both read ECR and the GitHub secret only', () => {
    const { template } = functions();
    const worker = grantsOf(template, 'Worker');
    const reconcile = grantsOf(template, 'Reconcile');
    for (const grants of [worker, reconcile]) {
      expect(grants).toContain(
        `ReadWatchedRepositories ecr:BatchGetImage,ecr:DescribeImages,ecr:GetDownloadUrlForLayer "${ECR_ARN}"`,
      );
      expect(grants.join('\n')).not.toMatch(/ecr:GetAuthorizationToken|ecr:ListImages/);
      expect(grants).toContain(`ReadGitHubCredentials secretsmanager:GetSecretValue "${GITHUB_ARN}"`);
      expect(grants.some((g) => g.startsWith('WriteOwnLogs logs:CreateLogStream,logs:PutLogEvents'))).toBe(
        true,
      );
      expect(grants.join('\n')).not.toMatch(/sqs:SendMessage|kms:/);
      expect(grants).toContain(
        'CreateReleaseAgeSchedules scheduler:CreateSchedule {"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":scheduler:eu-west-1:111122223333:schedule/T-ReleaseAgeScheduleGroup-C0BFE610/*"]]}',
      );
      expect(grants.find((g) => g.startsWith('PassReleaseAgeSchedulerRole'))).toMatch(
        /^PassReleaseAgeSchedulerRole iam:PassRole \{"Fn::GetAtt":\["ReleaseAgeSchedulerRole[0-9A-F]{8}","Arn"\]\}$/,
      );
      expect(grants.map((g) => g.split(' ')[1]).join(',')).not.toContain('*');
    }
    expect(worker.find((g) => g.startsWith('WriteOwnLogs'))).toMatch(/"WorkerLogs[0-9A-F]{8}","Arn"/);
    expect(reconcile.find((g) => g.startsWith('WriteOwnLogs'))).toMatch(/"ReconcileLogs[0-9A-F]{8}","Arn"/);
    expect(worker.filter((g) => g.includes('sqs:'))).toHaveLength(1);
    expect(worker.find((g) => g.includes('sqs:'))).toMatch(/sqs:DeleteMessage.*sqs:ReceiveMessage/);
    expect(reconcile.filter((g) => g.includes('sqs:'))).toEqual([]);
    for (const grants of [worker, reconcile]) {
      const index = grants.find((g) => g.includes('dynamodb:'));
      expect(index).toMatch(
        /^- dynamodb:BatchWriteItem,dynamodb:DeleteItem,dynamodb:GetItem,dynamodb:PutItem,dynamodb:Query .*IndexTable/,
      );
      expect(index).not.toMatch(/Scan|DeleteTable|UpdateTable/);
    }
    expect(worker).toHaveLength(7);
    expect(reconcile).toHaveLength(6);
  });

  it('lets EventBridge Scheduler, and only it, send a held push to the work queue: one action, one queue', () => {
    const { template } = functions();
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('Scheduler') },
    });
    const [role] = Object.values(roles) as { Properties: { AssumeRolePolicyDocument: unknown } }[];
    expect(role!.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
    expect(grantsOf(template, 'ReleaseAgeScheduler')).toEqual([
      expect.stringMatching(
        /^SendToWorkQueue sqs:SendMessage \{"Fn::GetAtt":\["Queue[0-9A-F]{8}","Arn"\]\}$/,
      ),
    ]);
    const passRole = iamStatements(template).find((s) => s.Sid === 'PassReleaseAgeSchedulerRole') as
      { Condition?: unknown } | undefined;
    expect(passRole?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
  });

  it('adds the registry credentials and kms:Decrypt when the secrets have a customer-managed key', () => {
    const { template } = functions({ registryCredentialsSecret: undefined, key: true });
    for (const role of ['Worker', 'Reconcile']) {
      const grants = grantsOf(template, role);
      expect(grants).toContain(`ReadRegistryCredentials secretsmanager:GetSecretValue "${REGISTRY_ARN}"`);
      expect(grants.filter((g) => g.startsWith('- kms:Decrypt'))).toHaveLength(1);
    }
  });

  it('lets both functions read the verify key secrets named, and no other secret', () => {
    const KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cosign-pub-AbCdEf';
    const stack = new Stack(testApp(), 'V', { env: { account: '111122223333', region: 'eu-west-1' } });
    const { template } = functions({
      verifyKeySecrets: [
        secretsmanager.Secret.fromSecretAttributes(stack, 'Key', { secretCompleteArn: KEY_ARN }),
      ],
    });
    for (const role of ['Worker', 'Reconcile']) {
      const grants = grantsOf(template, role);
      expect(grants).toContain(`ReadVerifyKey0 secretsmanager:GetSecretValue "${KEY_ARN}"`);
      expect(grants.filter((g) => g.includes('secretsmanager:'))).toHaveLength(2);
    }
    // The functions read no other secret as a key, whatever a config names.
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect(
        (fn as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment
          .Variables.VERIFY_KEY_SECRET_ARNS,
      ).toBe(JSON.stringify([KEY_ARN]));
  });

  it('gives both functions an environment their own schema accepts', () => {
    const { template } = functions({
      repositories: [
        { repo: 'acme/gitops' },
        { repo: 'acme/platform', configPath: 'deploy/.image-updater.yaml' },
      ],
      maxConcurrency: 4,
      githubApiUrl: 'https://github.example.com/api/v3',
    });
    const fns = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fns).toHaveLength(2);
    for (const fn of fns) {
      const variables = (fn as { Properties: { Environment: { Variables: Record<string, string> } } })
        .Properties.Environment.Variables;
      // The table's name is a reference until deployment.
      expect(variables.INDEX_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^IndexTable/) });
      expect(variables.RELEASE_AGE_SCHEDULE_GROUP).toMatch(/^T-ReleaseAgeScheduleGroup-[0-9A-F]{8}$/);
      const env = parseFunctionEnv({
        ...variables,
        INDEX_TABLE_NAME: 'image-updater-index',
        RELEASE_AGE_ROLE_ARN: 'arn:aws:iam::111122223333:role/ReleaseAgeSchedulerRole',
        WORK_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:111122223333:Queue',
      });
      expect(env.RELEASE_AGE_SCHEDULE_GROUP).toBe(variables.RELEASE_AGE_SCHEDULE_GROUP);
      expect(env.WATCHED_REPOS).toEqual([
        { repo: 'acme/gitops' },
        { repo: 'acme/platform', configPath: 'deploy/.image-updater.yaml' },
      ]);
      expect(env.GITHUB_SECRET_ID).toBe(GITHUB_ARN);
      // 80 writes a minute shared by 4 worker instances and the reconcile.
      expect(env.GITHUB_WRITES_PER_MINUTE).toBe(16);
      expect(variables.POWERTOOLS_METRICS_NAMESPACE).toBe('ImageUpdater');
    }
  });

  it('feeds the worker batches of 1,000 within a second, and runs the reconcile hourly without retries', () => {
    const { template } = functions();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it.each([
    [{ maxConcurrency: 1 }, /maxConcurrency must be an integer from 2 to 1000/],
    [
      { batchSize: 20, maxBatchingWindow: Duration.seconds(0) },
      /needs a maxBatchingWindow of at least 1 second/,
    ],
    [{ batchSize: 10_001 }, /batchSize must be an integer from 1 to 10000/],
    [{ githubApiUrl: 'http://github.example.com/api/v3' }, /githubApiUrl must be an https URL/],
    [{ repositories: [{ repo: 'acme/a' }, { repo: 'ACME/a' }] }, /listed twice/],
    [{ repositories: [{ repo: 'acme' }] }, /expected owner\/name/],
  ])('refuses %j at synth', (props, message) => {
    expect(() => functions(props as Partial<UpdaterFunctionsProps>)).toThrow(InvalidPropsError);
    expect(() => functions(props as Partial<UpdaterFunctionsProps>)).toThrow(message);
  });
});
