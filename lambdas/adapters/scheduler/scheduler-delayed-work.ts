/**
 * Delayed work through EventBridge Scheduler (SPEC §8): one one-time schedule per held push (or
 * per repository and due time, for promotions `promote.after` holds),
 * `at(…)` in UTC, whose target sends the push message (`adapters/sqs/messages.ts`) to the
 * worker's queue and which Scheduler deletes once it has fired (`ActionAfterCompletion: DELETE`).
 * The name is a hash of the push and its due time, so a duplicate event's `CreateSchedule` meets
 * a `ConflictException`: the wake-up is set already, which is success.
 */
import { createHash } from 'node:crypto';
import {
  ActionAfterCompletion,
  ConflictException,
  CreateScheduleCommand,
  FlexibleTimeWindowMode,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DelayedWorkError, repoRunKey, wakeUpKey, type DelayedWork } from '../../ports/delayed-work.ts';
import type { PushedImage } from '../../core/push.ts';
import { encodePushMessage } from '../sqs/messages.ts';
import { encodeRepoEventMessage } from '../sqs/repo-event-message.ts';

export interface SchedulerDelayedWorkOptions {
  readonly client: SchedulerClient;
  /** The schedule group the construct owns; the worker may create schedules only in it. */
  readonly groupName: string;
  /** The role Scheduler assumes to send to the queue (`sqs:SendMessage` on it alone). */
  readonly roleArn: string;
  readonly queueArn: string;
  readonly now?: () => number;
}

/**
 * Scheduler fires a one-time schedule within a minute of its time and refuses a time in the
 * past; a push due sooner than this is woken this long from now.
 */
const MIN_LEAD_MS = 60_000;

export class SchedulerDelayedWork implements DelayedWork {
  constructor(private readonly options: SchedulerDelayedWorkOptions) {}

  async scheduleAt(due: Date, push: PushedImage): Promise<void> {
    await this.create(due, {
      name: scheduleName(due, push),
      description: `minimumReleaseAge: ${push.tag} due`,
      input: encodePushMessage(push, 'release-age'),
      what: push.tag,
    });
  }

  async scheduleRepoRun(due: Date, repo: string): Promise<void> {
    const name = repoRunScheduleName(due, repo);
    await this.create(due, {
      name,
      description: `promote.after: ${repo} due`,
      // The schedule's name is the message id: a wake-up fired twice is one event.
      input: encodeRepoEventMessage({ type: 'promotion-due', repo }, name, 'scheduler'),
      what: `${repo}'s promotions`,
    });
  }

  private async create(
    due: Date,
    schedule: {
      readonly name: string;
      readonly description: string;
      readonly input: string;
      readonly what: string;
    },
  ): Promise<void> {
    const { client, groupName, roleArn, queueArn } = this.options;
    const earliest = (this.options.now ?? Date.now)() + MIN_LEAD_MS;
    // Whole seconds, rounded up: at() has no fraction, and early would find it still held.
    const at = new Date(Math.ceil(Math.max(due.getTime(), earliest) / 1000) * 1000);
    try {
      await client.send(
        new CreateScheduleCommand({
          Name: schedule.name,
          GroupName: groupName,
          ScheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: FlexibleTimeWindowMode.OFF },
          ActionAfterCompletion: ActionAfterCompletion.DELETE,
          Description: schedule.description.slice(0, 512),
          Target: {
            Arn: queueArn,
            RoleArn: roleArn,
            Input: schedule.input,
            RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConflictException) return;
      throw new DelayedWorkError('SCHEDULE_FAILED', `could not schedule the wake-up of ${schedule.what}`, {
        cause: error,
      });
    }
  }
}

const hash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 40);

/** `release-age-` + 40 hex: within Scheduler's 64 characters and `[0-9a-zA-Z-_.]`. */
export function scheduleName(due: Date, push: PushedImage): string {
  return `release-age-${hash(wakeUpKey(due, push))}`;
}

/** `promotion-` + 40 hex: every promotion of a repository due at one time shares it. */
export function repoRunScheduleName(due: Date, repo: string): string {
  return `promotion-${hash(repoRunKey(due, repo))}`;
}
