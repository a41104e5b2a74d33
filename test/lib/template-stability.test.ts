/**
 * Upgrading must not replace anything: a changed logical id makes CloudFormation delete the old
 * resource and create a new one (queued pushes, the GitHub credentials, the alarms' history).
 * The logical ids, types and the properties that decide behaviour were recorded from the
 * single-constructor construct (fixtures/template-ids.json); every variant must still produce
 * them. After an intended change, record again with `RECORD_TEMPLATE_IDS=1 npx vitest run
 * test/lib/template-stability.test.ts` and say in the change why replacing is acceptable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageUpdaterStackProps } from '../../lib/image-updater-stack.ts';
import { removeTestOutdirs, stackTemplate } from '../support/cdk.ts';

const FIXTURE = new URL('./fixtures/template-ids.json', import.meta.url);

const VARIANTS: Record<string, Partial<ImageUpdaterStackProps>> = {
  default: {},
  'webhook function-url': { webhookAllowedImages: ['ghcr.io/acme'] },
  'webhook http-api': {
    webhookAllowedImages: ['*'],
    webhookFrontDoor: 'http-api',
    webhookReservedConcurrency: 20,
    env: { account: '111122223333', region: 'eu-west-1' },
  },
  'cross-account': {
    env: { account: '111122223333', region: 'eu-west-1' },
    ecrAccounts: ['111122223333', '444455556666'],
    ecrRegions: ['eu-west-1', 'us-east-1'],
    ecrRepositoryPrefixes: ['shop/'],
    githubSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:gh-AbCdEf',
    registryCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:reg-AbCdEf',
    secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
    maxConcurrency: 5,
  },
};

type Json = Record<string, unknown>;

/** The properties a user would notice changing, per resource type; the rest is left out. */
const KEY_PROPERTIES: Record<string, readonly string[]> = {
  'AWS::Lambda::Function': [
    'Handler',
    'Runtime',
    'Architectures',
    'Timeout',
    'MemorySize',
    'ReservedConcurrentExecutions',
  ],
  'AWS::SQS::Queue': ['VisibilityTimeout', 'MessageRetentionPeriod', 'RedrivePolicy', 'SqsManagedSseEnabled'],
  'AWS::Lambda::EventSourceMapping': [
    'BatchSize',
    'MaximumBatchingWindowInSeconds',
    'ScalingConfig',
    'FunctionResponseTypes',
  ],
  'AWS::CloudWatch::Alarm': [
    'Threshold',
    'MetricName',
    'Namespace',
    'Dimensions',
    'Statistic',
    'AlarmActions',
    'OKActions',
  ],
  'AWS::Events::Rule': ['EventPattern', 'ScheduleExpression'],
  'AWS::Logs::LogGroup': ['RetentionInDays'],
  'AWS::SecretsManager::Secret': ['Description', 'SecretString'],
  'AWS::Lambda::Url': ['AuthType'],
  'AWS::CloudWatch::Dashboard': ['DashboardBody', 'DashboardName'],
  'AWS::Events::EventBusPolicy': ['StatementId', 'Statement'],
  'AWS::ApiGatewayV2::Stage': ['StageName', 'DefaultRouteSettings'],
};

function summary(props: Partial<ImageUpdaterStackProps>): Json {
  const template = stackTemplate(props).toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Json; DeletionPolicy?: string }>;
    Outputs?: Json;
    Rules?: Json;
  };
  const resources = Object.fromEntries(
    Object.entries(template.Resources)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, r]) => {
        const keys = KEY_PROPERTIES[r.Type] ?? [];
        const properties = Object.fromEntries(
          keys.filter((k) => r.Properties?.[k] !== undefined).map((k) => [k, r.Properties![k]]),
        );
        const environment = (r.Properties?.Environment as { Variables?: Json } | undefined)?.Variables;
        return [
          id,
          {
            Type: r.Type,
            ...(r.DeletionPolicy ? { DeletionPolicy: r.DeletionPolicy } : {}),
            ...properties,
            ...(environment ? { EnvironmentNames: Object.keys(environment).sort() } : {}),
            ...(r.Type === 'AWS::IAM::Policy' ? { Statements: statements(r.Properties!) } : {}),
          },
        ];
      }),
  );
  return {
    resources,
    outputs: Object.keys(template.Outputs ?? {}).sort(),
    rules: Object.keys(template.Rules ?? {}).sort(),
  };
}

/** Statement ids and actions, sorted: their order in a policy changes nothing. */
function statements(properties: Json): string[] {
  const document = properties.PolicyDocument as { Statement: { Sid?: string; Action: string | string[] }[] };
  return document.Statement.map((s) => `${s.Sid ?? '-'} ${[s.Action].flat().sort().join(',')}`).sort();
}

afterAll(removeTestOutdirs);

describe('the synthesized template, against the one recorded before the construct was split', () => {
  const recorded = process.env.RECORD_TEMPLATE_IDS
    ? undefined
    : (JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Json>);

  if (!recorded) {
    it('records the fixture', () => {
      const all = Object.fromEntries(Object.entries(VARIANTS).map(([name, props]) => [name, summary(props)]));
      writeFileSync(FIXTURE, `${JSON.stringify(all, null, 2)}\n`);
    });
    return;
  }

  it.each(Object.keys(VARIANTS))('%s: the same logical ids, types, key properties and outputs', (name) => {
    expect(summary(VARIANTS[name]!)).toEqual(recorded[name]);
  });
});
