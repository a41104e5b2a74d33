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
 * - a merged updater PR runs the repository too, so its dashboard line says up to date now and
 *   the promote policies that follow it propose what it brought (docs/promotion.md);
 * - a `push` that changes no config runs the promote policies whose source's files it changed;
 * - `promotion-due`: the wake-up of a promotion `promote.after` held decides the repository's
 *   promotions again;
 * - `health`: an environment's health report (Argo CD, Flux) decides the promotions that wait
 *   for it (`promote: { when: healthy }`), and is kept on the dashboard;
 * - `issue`: a person's edit of one of the updater's issues (a box ticked on the dashboard)
 *   runs the repository, which acts on the ticked boxes (core/dashboard/).
 * A failure that can succeed later hands the event's records back, like a push's.
 */
import type { ApplyMemo } from '../core/apply/apply.ts';
import { landsPromotion, type IndexEntry } from '../core/repo-index.ts';
import type { HealthReport } from '../core/plan/health.ts';
import type {
  HealthEvent,
  IssueEvent,
  PromotionDueEvent,
  PullRequestEvent,
  RepoEvent,
  RepositoriesEvent,
  RepoPushEvent,
} from '../core/repo-events.ts';
import { BRANCH_PREFIX } from '../core/plan/units.ts';
import type { GitHost } from '../ports/git-host.ts';
import { GitHostError, type GitHostErrorCode } from '../ports/git-host-errors.ts';
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
      return onIssue(ctx, event);
    case 'promotion-due':
      return onPromotionDue(ctx, event);
    case 'health':
      return onHealth(ctx, event);
  }
}

/**
 * An environment's health report: in a watched repository, its promotions are decided with it
 * (one waiting for that application opens its PR when the report is healthy at a commit that
 * contains the change), and the report is kept on the dashboard for later runs. A repository
 * not watched costs nothing: a report cannot name one the updater does not already work on.
 */
async function onHealth(ctx: RepoEventContext, event: HealthEvent): Promise<RepoEventOutcome> {
  const repo = await ctx.directory.lookup(event.repo);
  if (!repo) return nothing(`${event.repo} is not watched`);
  const report = {
    application: event.application,
    revision: event.revision,
    healthy: event.healthy,
    at: new Date(event.at),
    source: event.source,
  };
  return runPromotions(ctx, repo, 'all', `health report of ${event.application}: promotions decided`, [
    report,
  ]);
}

/**
 * A promotion `promote.after` held is due: the repository's promotions are decided again, from
 * their sources' files (no tag list). One still not due (a newer change landed upstream since)
 * sets its own wake-up; one due opens its PR.
 */
async function onPromotionDue(ctx: RepoEventContext, event: PromotionDueEvent): Promise<RepoEventOutcome> {
  const repo = await ctx.directory.lookup(event.repo);
  if (!repo) return nothing(`${event.repo} is not watched`);
  return runPromotions(ctx, repo, 'all', 'promotion due: decided');
}

/** Repositories an installation event runs at once; the rest wait for a push or the reconcile. */
const MAX_RUNS_PER_EVENT = 10;

async function onPush(ctx: RepoEventContext, event: RepoPushEvent): Promise<RepoEventOutcome> {
  const { directory, host } = ctx;
  const repo = await directory.lookup(event.repo);
  if (!repo) {
    // A repository created in an "all repositories" installation gets no installation event:
    // its first config push introduces it, if the installation's list and the filter agree.
    if (!directory.discovering || event.installationId === undefined || !host.listInstallationRepositories)
      return nothing(`${event.repo} is not watched`);
    if (!event.truncated && !event.changedPaths.includes(directory.discoveredConfigPath))
      return nothing(`${event.repo} is not watched and the push adds no config`);
    const listed = await host.listInstallationRepositories(event.installationId);
    const [entry] = await directory.add(
      host,
      listed.filter((r) => r.repo.toLowerCase() === event.repo.toLowerCase()),
    );
    const added = entry && directory.repoOf(entry);
    return added ? runIndexed(ctx, added, entry) : nothing(`${event.repo} is not watched`);
  }
  const configPath = configPathOf(repo);
  if (!event.truncated && !event.changedPaths.includes(configPath)) return onLanded(ctx, repo, event);
  const entry = await directory.refresh(host, repo, event.installationId);
  return runIndexed(ctx, repo, entry);
}

/**
 * A push to the base branch that changes no config may land what a promote policy follows (a
 * merged PR, a direct commit, a person's edit): the promote policies whose source's files it
 * touched are decided now (docs/promotion.md). Which files those are, the index entry says (from
 * the config the last run read), so any other push costs no request.
 */
async function onLanded(ctx: RepoEventContext, repo: WatchedRepo, event: RepoPushEvent) {
  const entry = await ctx.directory.entry(repo.repo);
  if (!landsPromotion(entry, event.changedPaths, event.truncated))
    return nothing(`the push does not change ${configPathOf(repo)} or what a promotion follows`);
  return runPromotions(
    ctx,
    repo,
    event.truncated ? 'all' : event.changedPaths,
    'push to the base branch: promotions decided',
  );
}

/** The promote policies `promotions` concerns, decided from their sources' files. */
async function runPromotions(
  ctx: RepoEventContext,
  repo: WatchedRepo,
  promotions: 'all' | readonly string[],
  detail: string,
  health?: readonly HealthReport[],
): Promise<RepoEventOutcome> {
  const result = await runRepo({
    host: ctx.host,
    repo,
    pushes: [],
    reconcile: false,
    promotions,
    ...defined({ health }),
    tagLists: ctx.tagLists,
    memo: ctx.memo,
    onListFailure: 'skip',
    // A promotion held by its soak time sets its wake-up.
    ...defined({ apply: ctx.deps.apply, delayed: ctx.deps.delayedWork, now: ctx.deps.now }),
  });
  return { runs: [{ repo, result }], indexed: [], detail };
}

async function onPullRequest(ctx: RepoEventContext, event: PullRequestEvent): Promise<RepoEventOutcome> {
  if (!event.headRef.startsWith(BRANCH_PREFIX)) return nothing('not an image-updater pull request');
  // A merge is no "no", but it changes the dashboard (whoever merged: auto-merge merges as the
  // App). Our own closes are bots' and marked retired already; another bot's close is answered
  // by the next read.
  if (event.action === 'closed' && !event.merged && event.senderIsBot)
    return nothing('pull request closed by a bot');
  const repo = await ctx.directory.lookup(event.repo);
  if (!repo) return nothing(`${event.repo} is not watched`);
  const what = event.action === 'closed' && event.merged ? 'merged' : event.action;
  return runIndexed(ctx, repo, undefined, `pull request ${what}: applied`);
}

async function onIssue(ctx: RepoEventContext, event: IssueEvent): Promise<RepoEventOutcome> {
  // Our own writes come back as a bot's edits; only a person's edit can tick a box.
  if (event.action !== 'edited' || event.senderIsBot) return nothing(`issue ${event.action} acknowledged`);
  const repo = await ctx.directory.lookup(event.repo);
  if (!repo) return nothing(`${event.repo} is not watched`);
  return runIndexed(ctx, repo, undefined, `issue #${event.number} edited: applied`);
}

/** What listing an installation's repositories answers once the installation is gone. */
const GONE = new Set<GitHostErrorCode>(['GITHUB_NOT_FOUND', 'GITHUB_FORBIDDEN', 'GITHUB_UNAUTHORIZED']);

/**
 * Which of the installation's indexed repositories are gone. The event only says so: its body is
 * signed, but a captured body can be sent again under a new delivery id, so the installation's
 * own list decides (a repository moved to another installation stays too).
 */
async function goneFrom(ctx: RepoEventContext, event: RepositoriesEvent): Promise<string[]> {
  const ours = await ctx.directory.discoveredIn(event.installationId);
  const named = new Set(event.removed.map((r) => r.toLowerCase()));
  const candidates = event.installationRemoved ? ours : ours.filter((e) => named.has(e.repo.toLowerCase()));
  if (candidates.length === 0 || !ctx.host.listInstallationRepositories) return [];
  let still: Set<string>;
  try {
    const listed = await ctx.host.listInstallationRepositories(event.installationId);
    still = new Set(listed.map((r) => r.repo.toLowerCase()));
  } catch (error) {
    // Uninstalled or suspended: the installation can no longer list anything.
    if (!(error instanceof GitHostError) || !GONE.has(error.code)) throw error;
    still = new Set();
  }
  return candidates.filter((e) => !still.has(e.repo.toLowerCase())).map((e) => e.repo);
}

async function onRepositories(ctx: RepoEventContext, event: RepositoriesEvent): Promise<RepoEventOutcome> {
  const { directory, host } = ctx;
  const indexed: string[] = [];
  for (const repo of await goneFrom(ctx, event)) {
    await directory.forget(repo);
    indexed.push(repo);
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
  // An installation on a whole organisation (or its unsuspension) names hundreds: all are
  // indexed now, the first few run at once, and the rest wait for their next push or the
  // reconcile rather than this message outliving the function's timeout.
  for (const entry of entries) {
    indexed.push(entry.repo);
    const repo = directory.repoOf(entry);
    if (repo && runs.length < MAX_RUNS_PER_EVENT) runs.push(...(await runIndexed(ctx, repo, entry)).runs);
  }
  const waiting = entries.filter((e) => e.status === 'watching').length - runs.length;
  return {
    runs,
    indexed,
    detail: `${entries.length} repositories indexed, ${runs.length} run${waiting > 0 ? `, ${waiting} left to the next push or the reconcile` : ''}`,
  };
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
    ...defined({ apply: ctx.deps.apply, delayed: ctx.deps.delayedWork }),
  });
  return { runs: [{ repo, result }], indexed, detail };
}

function nothing(detail: string): RepoEventOutcome {
  return { runs: [], indexed: [], detail };
}
