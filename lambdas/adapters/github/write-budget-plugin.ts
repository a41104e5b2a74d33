/**
 * The write budget as an Octokit plugin: `new (Octokit.plugin(writeBudget))({ writeBudget: {…} })`
 * sends every content-creating request through a `WriteBudget` and exposes it as
 * `octokit.writeBudget` (reservations, deadlines).
 *
 * Its hook must wrap the throttling and retry plugins (list it after them): they run requests
 * through Bottleneck queues, where a request can run in whichever async context drained the
 * queue, and the budget must see the caller's to know which reservation a write belongs to. A
 * write those plugins send again (after a 5xx or a `retry-after`) stays inside this hook, so it
 * is admitted once.
 */
import type { Octokit } from '@octokit/rest';
import { WriteBudget, type WriteBudgetOptions } from './write-budget.ts';

export interface WriteBudgetPluginOptions {
  /** The budget's windows; without it (or with both limits 0) writes are not limited. */
  readonly writeBudget?: WriteBudgetOptions;
  /** The Octokit's other options, which this plugin does not read. */
  readonly [option: string]: unknown;
}

export function writeBudget(
  octokit: Pick<Octokit, 'hook'>,
  options: WriteBudgetPluginOptions,
): { writeBudget: WriteBudget } {
  const budget = new WriteBudget(options.writeBudget ?? { perMinute: 0, perHour: 0 });
  octokit.hook.wrap('request', async (request, requestOptions) => {
    if (createsContent(requestOptions.method, String(requestOptions.url)))
      await budget.beforeWrite(requestOptions.request?.signal ?? undefined);
    return request(requestOptions);
  });
  return { writeBudget: budget };
}

/** What GitHub's secondary limit and the throttling plugin count: every non-GET, and GraphQL. */
function createsContent(method: string | undefined, url: string): boolean {
  return (method !== 'GET' && method !== 'HEAD') || url.startsWith('/graphql');
}
