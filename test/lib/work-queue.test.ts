import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_RECEIVE_COUNT, WorkQueue } from '../../lib/work-queue.ts';
import { actionsOf, iamStatements, removeTestOutdirs, testApp } from '../support/cdk.ts';

afterAll(removeTestOutdirs);

function workQueue() {
  const stack = new Stack(testApp(), 'T', { env: { account: '111122223333', region: 'eu-west-1' } });
  const queue = new WorkQueue(stack, { visibilityTimeout: Duration.minutes(12) });
  return { stack, queue };
}

describe('WorkQueue', () => {
  it('moves a record to the dead-letter queue after MAX_RECEIVE_COUNT receives, and keeps it there for 14 days', () => {
    const { stack } = workQueue();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 720,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] },
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: Match.absent(),
    });
    expect(MAX_RECEIVE_COUNT).toBe(20);
  });

  it('encrypts both queues and refuses requests without TLS', () => {
    const template = Template.fromStack(workQueue().stack);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
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

  it('lets a producer send to the work queue only: not receive, not delete, not touch the dead-letter queue', () => {
    const { stack, queue } = workQueue();
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    queue.grantEnqueue(producer);
    const statements = iamStatements(Template.fromStack(stack));
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!).sort()).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(statements[0]!.Resource).toEqual({
      'Fn::GetAtt': [stack.getLogicalId(queue.queue.node.defaultChild as never), 'Arn'],
    });
  });
});
