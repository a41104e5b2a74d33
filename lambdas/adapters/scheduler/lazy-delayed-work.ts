/**
 * The Scheduler adapter loaded on first use: the SDK's Scheduler client is an ESM chunk of its
 * own, fetched only when a push is held, so the worker's initial import stays small (SPEC §10).
 */
import type { DelayedWork } from '../../ports/delayed-work.ts';
import type { SchedulerDelayedWorkOptions } from './scheduler-delayed-work.ts';

export function lazySchedulerDelayedWork(options: Omit<SchedulerDelayedWorkOptions, 'client'>): DelayedWork {
  let work: Promise<DelayedWork> | undefined;
  const load = () =>
    (work ??= Promise.all([import('@aws-sdk/client-scheduler'), import('./scheduler-delayed-work.ts')]).then(
      ([{ SchedulerClient }, { SchedulerDelayedWork }]) =>
        new SchedulerDelayedWork({ ...options, client: new SchedulerClient({}) }),
    ));
  return {
    scheduleAt: async (due, push) => (await load()).scheduleAt(due, push),
    scheduleRepoRun: async (due, repo) => (await load()).scheduleRepoRun(due, repo),
  };
}
