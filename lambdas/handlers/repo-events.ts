/**
 * What the worker does with GitHub's events about the environment repositories:
 * - a `push` to the default branch that changes the config (or may have: a truncated list)
 *   reads it again, re-indexes the repository and runs it from the registries' tag lists at
 *   once: a new policy opens its PR, an invalid config its issue, within seconds;
 * - `repositories` (the App installed, repositories added or removed) indexes or forgets them,
 *   and runs the new ones that have a config;
 * - `pull-request`: an updater PR closed unmerged by someone other than a bot, or reopened, runs
 *   the repository at once, so the close is answered ("closed means no", core/apply/closed-pulls.ts)
 *   or the reopened PR updated now rather than at the next push (which would do the same);
 * - `issue` is acknowledged here (its lifecycle is another step's).
 * A failure that can succeed later hands the event's records back, like a push's.
 */
import type { ApplyMemo } from '../core/apply/apply.ts';
import type { IndexEntry } from '../core/repo-index.ts';
import type { PullRequestEvent, RepoEvent, RepositoriesEvent, RepoPushEvent } from '../core/repo-events.ts';
import { BRANCH_PREFIX } from '../core/plan/units.ts';
import type { GitHost } from '../ports/git-host.ts';
import type { TagListCache } from '../adapters/registry/tag-lists.ts';
import { configPathOf, type WatchedRepo } from './env.ts';
import type { RepoDirectory } from './repo-directory.ts';
import { runRepo, type RunRepoResult } from './run-repo.ts';
import type { UpdaterDeps } from './updater-deps.ts';
import { defined } from '../objects.ts';

export interface RepoEventContext {
  readonly deps: UpdaterDeps;
  readonly directory: RepoDirectory;
  readonly memo: ApplyMemo;
  readonly host: GitHost;
  readonly tagLists: TagListCache;
}

/** What an event led to: the runs it made (for the batch's report), or why it did nothing. */
export interface RepoEventOutcome {
  readonly runs: readonly { readonly repo: WatchedRepo; readonly result: RunRepoResult }[];
  /** Repositories whose index entry was written or removed. */
  readonly indexed: readonly string[];
  readonly detail: string;
}

export async function handleRepoEvent(ctx: RepoEventContext, event: RepoEvent): Promise<RepoEventOutcome> {
  switch (event.type) {
    case 'push':
      return onPush(ctx, event);
    case 'repositories':
      return onRepositories(ctx, event);
    case 'pull-request':
      return onPullRequest(ctx, event);
    case 'issue':
      return { runs: [], indexed: [], detail: `${event.type} ${event.action} acknowledged` };
  }
}

async function onPush(ctx: RepoEventContext, event: RepoPushEvent): Promise<RepoEventOutcome> {
  const repo = await ctx.directory.lookup(event.repo);
  if (!repo) return nothing(`${event.repo} is not watched`);
  const configPath = configPathOf(repo);
  if (!event.truncated && !event.changedPaths.includes(configPath))
    return nothing(`the push does not change ${configPath}`);
  const entry = await ctx.directory.refresh(ctx.host, repo, event.installationId);
  return runIndexed(ctx, repo, entry);
}

async function onPullRequest(ctx: RepoEventContext, event: PullRequestEvent): Promise<RepoEventOutcome> {
  if (!event.headRef.startsWith(BRANCH_PREFIX)) return nothing('not an image-updater pull request');
  // Our own closes (a bot's) carry their own answer; a merge is no "no".
  if (event.action === 'closed' && (event.merged || event.senderIsBot))
    return nothing(`pull request ${event.merged ? 'merged' : 'closed by a bot'}`);
  const repo = await ctx.directory.lookup(event.repo);
  if (!repo) return nothing(`${event.repo} is not watched`);
  return runIndexed(ctx, repo, undefined, `pull request ${event.action}: applied`);
}

async function onRepositories(ctx: RepoEventContext, event: RepositoriesEvent): Promise<RepoEventOutcome> {
  const { directory, host } = ctx;
  const index = ctx.deps.index;
  const indexed: string[] = [];
  if (index && directory.discovering) {
    const gone = event.installationRemoved
      ? (await index.all()).filter((e) => e.installationId === event.installationId).map((e) => e.repo)
      : event.removed;
    for (const repo of gone) {
      await index.remove(repo);
      indexed.push(repo);
    }
  }
  // Unsuspended, or new permissions accepted: GitHub names no repositories, so all of them.
  const everything = event.added.length === 0 && event.removed.length === 0 && !event.installationRemoved;
  if ((event.added.length === 0 && !everything) || !host.listInstallationRepositories)
    return { runs: [], indexed, detail: `${indexed.length} repositories forgotten` };
  // The event names the repositories, not their topics: the installation's list has them.
  const added = new Set(event.added.map((r) => r.toLowerCase()));
  const listed = await host.listInstallationRepositories(event.installationId);
  const entries = await directory.add(
    host,
    everything ? listed : listed.filter((r) => added.has(r.repo.toLowerCase())),
  );
  const runs = [];
  for (const entry of entries) {
    indexed.push(entry.repo);
    const repo = directory.repoOf(entry);
    if (repo) runs.push(...(await runIndexed(ctx, repo, entry)).runs);
  }
  return { runs, indexed, detail: `${entries.length} repositories indexed, ${runs.length} run` };
}

/** A repository whose config was just read: run its policies from the tag lists, at once. */
async function runIndexed(
  ctx: RepoEventContext,
  repo: WatchedRepo,
  entry: IndexEntry | undefined,
  detail = 'config changed: applied',
): Promise<RepoEventOutcome> {
  const indexed = entry ? [entry.repo] : [];
  if (entry && (entry.status === 'no-config' || entry.status === 'unread'))
    return { runs: [], indexed, detail: `config ${entry.status}` };
  const result = await runRepo({
    host: ctx.host,
    repo,
    pushes: [],
    reconcile: true,
    tagLists: ctx.tagLists,
    memo: ctx.memo,
    // A registry that cannot list now does not hold the config change back: its policies wait
    // for their next push or the reconcile, as in a reconcile.
    onListFailure: 'skip',
    ...defined({ apply: ctx.deps.apply }),
  });
  return { runs: [{ repo, result }], indexed, detail };
}

function nothing(detail: string): RepoEventOutcome {
  return { runs: [], indexed: [], detail };
}
