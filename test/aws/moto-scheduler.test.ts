/**
 * The EventBridge Scheduler adapter of `minimumReleaseAge` against moto_server (which implements
 * CreateSchedule, GetSchedule and the ConflictException of a name in use; it never fires a
 * schedule, so the wake-up itself is proven by serve's timer in test/e2e/registry.e2e.test.ts,
 * through the same queue message).
 */
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  repoRunScheduleName,
  scheduleName,
  SchedulerDelayedWork,
} from '../../lambdas/adapters/scheduler/scheduler-delayed-work.ts';
import { decodeMessage } from '../../lambdas/adapters/sqs/messages.ts';
import type { PushedImage } from '../../lambdas/core/push.ts';
import { MOTO_ACCOUNT, MOTO_REGION, startMoto, type Moto } from './support/moto.ts';
import { describeWithTools, probe } from './support/tools.ts';

const MOTO = probe('moto_server', 'moto_server', ['--help']);
const GROUP = 'image-updater-release-age';
const ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/release-age`;
const QUEUE = `arn:aws:sqs:${MOTO_REGION}:${MOTO_ACCOUNT}:work`;
const NOW = Date.parse('2026-12-07T12:00:00Z');

const push: PushedImage = {
  image: `${MOTO_ACCOUNT}.dkr.ecr.${MOTO_REGION}.amazonaws.com/shop/api`,
  tag: '1.4.3',
  digest: `sha256:${'b'.repeat(64)}`,
  pushedAt: new Date('2026-12-07T11:00:00.250Z'),
};

describeWithTools(
  'minimumReleaseAge: Scheduler one-time schedules (moto_server)',
  [MOTO],
  'pip install "moto[server]"',
  () => {
    let moto: Moto;
    let client: SchedulerClient;
    let work: SchedulerDelayedWork;

    beforeAll(async () => {
      moto = await startMoto();
      client = new SchedulerClient(moto.clientConfig);
      await client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
      work = new SchedulerDelayedWork({
        client,
        groupName: GROUP,
        roleArn: ROLE,
        queueArn: QUEUE,
        now: () => NOW,
      });
    }, 30_000);
    afterAll(async () => {
      client?.destroy();
      await moto?.stop();
    });

    it('creates one schedule at the due second (UTC), deleted after it fires, that re-queues the push', async () => {
      const due = new Date('2026-12-09T11:00:00.250Z');
      await work.scheduleAt(due, push);
      const schedule = await client.send(
        new GetScheduleCommand({ GroupName: GROUP, Name: scheduleName(due, push) }),
      );
      // Rounded up to the second: a wake-up a fraction early would find the push still held.
      expect(schedule.ScheduleExpression).toBe('at(2026-12-09T11:00:01)');
      expect(schedule.ScheduleExpressionTimezone).toBe('UTC');
      expect(schedule.ActionAfterCompletion).toBe('DELETE');
      expect(schedule.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(schedule.Target?.Arn).toBe(QUEUE);
      expect(schedule.Target?.RoleArn).toBe(ROLE);
      // The message is one the worker already reads, with the push's own time: its clock does not restart.
      expect(decodeMessage(schedule.Target!.Input!)).toEqual({
        kind: 'push',
        id: undefined,
        source: 'release-age',
        push,
      });
    });

    it('collapses a duplicate into the first (ConflictException is success); another due time is its own', async () => {
      const due = new Date('2026-12-08T00:00:00Z');
      await work.scheduleAt(due, push);
      await work.scheduleAt(due, push);
      await work.scheduleAt(new Date('2026-12-10T00:00:00Z'), { ...push, tag: '1.4.4' });
      const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP }));
      const names = (listed.Schedules ?? []).map((s) => s.Name);
      expect(names.filter((n) => n === scheduleName(due, push))).toHaveLength(1);
      expect(names.filter((n) => n!.startsWith('release-age-'))).toHaveLength(3);
      expect(names.every((n) => /^release-age-[0-9a-f]{40}$/.test(n!))).toBe(true);
    });

    it('promote.after: one schedule per repository and due time, which queues a promotion-due event', async () => {
      const due = new Date('2026-12-07T14:00:00Z');
      await work.scheduleRepoRun(due, 'acme/gitops');
      // Two promotions due at once, or a reconcile seeing the same hold: the same name.
      await work.scheduleRepoRun(due, 'acme/gitops');
      const name = repoRunScheduleName(due, 'acme/gitops');
      expect(name).toMatch(/^promotion-[0-9a-f]{40}$/);
      const schedule = await client.send(new GetScheduleCommand({ GroupName: GROUP, Name: name }));
      expect(schedule.ScheduleExpression).toBe('at(2026-12-07T14:00:00)');
      expect(schedule.ActionAfterCompletion).toBe('DELETE');
      expect(decodeMessage(schedule.Target!.Input!)).toEqual({
        kind: 'repo-event',
        id: name,
        source: 'scheduler',
        event: { type: 'promotion-due', repo: 'acme/gitops' },
      });
      const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP }));
      expect((listed.Schedules ?? []).filter((s) => s.Name === name)).toHaveLength(1);
    });

    it('sets a due time already past a minute ahead (Scheduler refuses the past)', async () => {
      const due = new Date(NOW - 5_000);
      await work.scheduleAt(due, push);
      const schedule = await client.send(
        new GetScheduleCommand({ GroupName: GROUP, Name: scheduleName(due, push) }),
      );
      expect(schedule.ScheduleExpression).toBe('at(2026-12-07T12:01:00)');
    });

    it('a refusal is a retryable DelayedWorkError, so the event that held the push comes back', async () => {
      const elsewhere = new SchedulerDelayedWork({
        client,
        groupName: 'no-such-group',
        roleArn: ROLE,
        queueArn: QUEUE,
      });
      await expect(elsewhere.scheduleAt(new Date(Date.now() + 3_600_000), push)).rejects.toMatchObject({
        code: 'SCHEDULE_FAILED',
        retryable: true,
      });
    });
  },
);
