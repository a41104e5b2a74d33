/**
 * The queue the worker reads and its dead-letter queue. Every producer (the ECR push rule, the
 * webhook, a forwarder of the user's own) sends to the one queue, so a push is coalesced with
 * the others of its batch whatever its source.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * Receives before a record moves to the DLQ: with a 12-minute visibility timeout, about four
 * hours. Records that wait for GitHub write budget come back until it frees; a burst must drain
 * before any of them reaches the DLQ, even when several bursts or a reconcile share the budget
 * (bench: 1,000 events under 500 writes an hour drain in under 15 minutes, 25 with 10 %
 * faults, records returned at most a few times each).
 */
export const MAX_RECEIVE_COUNT = 20;

export interface WorkQueueProps {
  /**
   * How long a received record stays hidden from other consumers. AWS's guidance for Lambda SQS
   * sources: at least six times the function timeout, so a record is not handed to a second
   * instance while the first still works on it.
   */
  readonly visibilityTimeout: Duration;
}

/**
 * `Queue` and `DeadLetterQueue`, created directly in `scope` (the `ImageUpdater`): not a construct
 * level of its own, because a level would change the logical ids, and CloudFormation would
 * replace the queues (and drop what they hold) on upgrade.
 */
export class WorkQueue {
  /** The queue the worker reads. */
  readonly queue: sqs.Queue;
  /** Records the worker could not process after every retry, and events EventBridge could not deliver. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, props: WorkQueueProps) {
    this.deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue of the work queue (and of the EventBridge target); it needs none of its own. Its depth is alarmed.',
    });
    this.queue = new sqs.Queue(scope, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
  }

  /**
   * Lets a producer enqueue pushes for the worker. The body is `PushMessage` JSON
   * (lambdas/adapters/sqs/messages.ts) or an EventBridge `ECR Image Action` event.
   */
  grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }
}
