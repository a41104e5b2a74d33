import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Duration } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { EcrPushRule, WatchedEcr, type WatchedEcrProps } from '../../lib/ecr-push-rule.ts';
import { InvalidPropsError } from '../../lib/errors.ts';
import { WorkQueue } from '../../lib/work-queue.ts';
import { removeTestOutdirs, testApp } from '../support/cdk.ts';

afterAll(removeTestOutdirs);

const HOME = '111122223333';

function rule(watched: WatchedEcrProps) {
  const stack = new Stack(testApp(), 'T', { env: { account: HOME, region: 'eu-west-1' } });
  const queue = new WorkQueue(stack, { visibilityTimeout: Duration.minutes(12) });
  const ecr = new WatchedEcr(stack, watched);
  new EcrPushRule(stack, { watched: ecr, queue });
  return { stack, ecr, template: Template.fromStack(stack) };
}

describe('WatchedEcr', () => {
  it.each([
    [{}, 1],
    [{ repositoryPrefixes: ['shop/', 'platform/api'] }, 2],
    [
      {
        accounts: [HOME, '444455556666'],
        regions: ['eu-west-1', 'us-east-1'],
        repositoryPrefixes: ['a/', 'b/', 'c/'],
      },
      12,
    ],
  ])('lets the functions describe one ARN per account, region and prefix (%j)', (props, count) => {
    const { ecr, stack } = rule(props);
    expect(ecr.repositoryArns).toHaveLength(count);
    for (const arn of ecr.repositoryArns)
      expect(stack.resolve(arn)).toMatchObject({ 'Fn::Join': expect.anything() });
  });

  it.each([
    [{ repositoryPrefixes: [] }, /ecrRepositoryPrefixes is empty/],
    [{ repositoryPrefixes: ['Shop/'] }, /cannot start an ECR repository name/],
    [{ accounts: ['12345'] }, /not a 12-digit AWS account id/],
  ])('refuses %j at synth', (props, message) => {
    expect(() => rule(props)).toThrow(InvalidPropsError);
    expect(() => rule(props)).toThrow(message);
  });
});

describe('EcrPushRule', () => {
  it('sends successful pushes of the watched repositories to the queue, undeliverable events to the DLQ', () => {
    const { template } = rule({ repositoryPrefixes: ['shop/'] });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: {
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Action'],
        account: [HOME],
        region: ['eu-west-1'],
        detail: { 'action-type': ['PUSH'], result: ['SUCCESS'], 'repository-name': [{ prefix: 'shop/' }] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Queue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] } },
        }),
      ],
    });
  });

  it('lets each other account put events on the bus, and no one else', () => {
    const { template } = rule({ accounts: [HOME, '444455556666', '777788889999'] });
    const policies = Object.values(template.findResources('AWS::Events::EventBusPolicy')).map(
      (p) =>
        (p as { Properties: { Statement: { Principal: unknown; Action: string } } }).Properties.Statement,
    );
    expect(policies.map((s) => s.Action)).toEqual(['events:PutEvents', 'events:PutEvents']);
    expect(JSON.stringify(policies.map((s) => s.Principal))).toContain(':iam::444455556666:root');
    expect(JSON.stringify(policies.map((s) => s.Principal))).toContain(':iam::777788889999:root');
    expect(JSON.stringify(policies.map((s) => s.Principal))).not.toContain(HOME);
  });

  it('needs no bus policy for this account alone', () => {
    rule({}).template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });
});
