/**
 * Delayed work for `minimumReleaseAge` (SPEC §8): a push held because it is too young comes back
 * on the work queue when it is due, through an EventBridge Scheduler one-time schedule that the
 * worker (or the reconcile) creates and Scheduler deletes once it has fired.
 *
 * - a schedule group owned by the construct: the functions may create schedules in it only;
 * - a role Scheduler assumes to deliver, allowed `sqs:SendMessage` on the work queue and nothing
 *   else (the queue is SQS-managed encrypted: no KMS key to grant);
 * - the functions get `scheduler:CreateSchedule` on `schedule/<group>/*` and `iam:PassRole` on
 *   that role alone, passed to Scheduler alone.
 *
 * Created directly in `scope`, like the queue, so no existing logical id moves.
 */
import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { nagResourceFinding } from './nag.ts';
import type { WorkQueue } from './work-queue.ts';

export class ReleaseAgeSchedules {
  readonly group: scheduler.ScheduleGroup;
  /** The role Scheduler assumes to put a held push back on the queue. */
  readonly role: iam.Role;

  constructor(scope: Construct, queue: WorkQueue) {
    // Deleted with the stack, and its pending schedules with it: they would target a queue that
    // is gone. Nothing in it is state worth keeping: the reconcile finds what is still held.
    this.group = new scheduler.ScheduleGroup(scope, 'ReleaseAgeScheduleGroup', {
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(scope, 'ReleaseAgeSchedulerRole', {
      description: 'image-updater: EventBridge Scheduler puts a held push back on the work queue',
      // Only schedules of this account may use it (the confused-deputy guard AWS documents).
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SendToWorkQueue',
        actions: ['sqs:SendMessage'],
        resources: [queue.queue.queueArn],
      }),
    );
  }

  /** What a function needs to hold a push: create schedules in the group, pass the role. */
  grantSchedule(fn: NodejsFunction): void {
    const schedules = Stack.of(this.group).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'CreateReleaseAgeSchedules',
        actions: ['scheduler:CreateSchedule'],
        resources: [schedules],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PassReleaseAgeSchedulerRole',
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[${nagResourceFinding(Stack.of(fn), schedules)}]`,
      reason:
        'scheduler:CreateSchedule on the schedules of the one group this construct owns: their names are hashes of the held pushes, known only at run time. No action is a wildcard.',
    });
  }

  /** The functions' environment for `SchedulerDelayedWork`. */
  environment(queue: WorkQueue): {
    RELEASE_AGE_SCHEDULE_GROUP: string;
    RELEASE_AGE_ROLE_ARN: string;
    WORK_QUEUE_ARN: string;
  } {
    return {
      RELEASE_AGE_SCHEDULE_GROUP: this.group.scheduleGroupName,
      RELEASE_AGE_ROLE_ARN: this.role.roleArn,
      WORK_QUEUE_ARN: queue.queue.queueArn,
    };
  }
}
