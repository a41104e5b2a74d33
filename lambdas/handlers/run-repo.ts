/**
 * One environment repository's share of a batch (or of a reconcile run): read its state once,
 * find which pushes its config watches and which images need the registry's tag list, list them,
 * then run the shared apply path on the state already read.
 */
import { workController } from '../adapters/github/abort.ts';
import {
  applyToRepo,
  type ApplyMemo,
  type ApplyOptions,
  type ApplyRequest,
  type RepoReport,
} from '../core/apply/apply.ts';
import { loadConfig } from '../config/load.ts';
import type { Policy } from '../core/config.ts';
import type { ConfigReading } from '../core/repo-index.ts';
import { needsTagList, policyWatches } from '../core/plan/decide.ts';
import { BRANCH_PREFIX } from '../core/plan/units.ts';
import { dashboardTicks } from '../core/dashboard/sync.ts';
import type { PushedImage } from '../core/push.ts';
import { signatureSubject } from '../core/tags/index.ts';
import type { GitHost } from '../ports/git-host.ts';
import type { DelayedWork } from '../ports/delayed-work.ts';
import { configPathOf, type WatchedRepo } from './env.ts';
import type { TagListCache, TagListResult } from '../adapters/registry/tag-lists.ts';
import { UPDATER_ISSUE_LABEL } from '../names.ts';
import { defined } from '../objects.ts';

export interface RunRepoInput {
  readonly host: GitHost;
  readonly repo: WatchedRepo;
  readonly pushes: readonly PushedImage[];
  readonly reconcile: boolean;
  /** A change landed on a base branch: decide the promote policies it concerns (`ApplyRequest`). */
  readonly promotions?: ApplyRequest['promotions'];
  /** Health reports the event brought (`promote: { when: healthy }`). */
  readonly health?: ApplyRequest['health'];
  readonly tagLists: TagListCache;
  readonly memo: ApplyMemo;
  readonly apply?: Omit<ApplyOptions, 'configPath' | 'memo' | 'loadConfig'>;
  /**
   * What a failed tag listing does. `fail`: the repository's work fails with it (a push to a
   * `newest` policy must not be decided without the push times of the tags it competes with).
   * `skip`: the image is decided without a list (a reconcile tries again on its next run).
   */
  readonly onListFailure: 'fail' | 'skip';
  /** Gives the repository's work up (a shutdown); its own end aborts what it left running. */
  readonly signal?: AbortSignal;
  /**
   * Wakes a push `minimumReleaseAge` holds (or the repository, for a promotion `promote.after`
   * holds) when it is due; without it, the next event or reconcile does.
   */
  readonly delayed?: DelayedWork;
  /** The clock `minimumReleaseAge` is measured with (epoch ms). */
  readonly now?: () => number;
}

export type RunRepoResult =
  | {
      readonly ok: true;
      readonly report: RepoReport;
      readonly watched: ReadonlySet<PushedImage>;
      readonly listing: TagListResult;
      /** What the config said, for the image index, and when it was read (epoch ms). */
      readonly reading: ConfigReading;
      readonly readAt: number;
    }
  | {
      readonly ok: false;
      readonly error: unknown;
      /** The pushes the failed work was about: all of them when the config was never read. */
      readonly watched: ReadonlySet<PushedImage>;
    };

export async function runRepo(input: RunRepoInput): Promise<RunRepoResult> {
  const { repo, pushes } = input;
  const configPath = configPathOf(repo);
  let watched: ReadonlySet<PushedImage> = new Set(pushes);
  // One per repository run: when a request of a concurrent wave fails, the wave's promise
  // rejects while its siblings (and their retries) are still under way; nobody waits for them
  // any more, so they are aborted once this run is over, whatever its outcome.
  const work = workController();
  const stop = () => work.abort();
  input.signal?.addEventListener('abort', stop, { once: true });
  if (input.signal?.aborted) stop();
  try {
    const [owner, name] = repo.repo.split('/') as [string, string];
    const client = await input.host.repo({ owner, name }, { signal: work.signal });
    const readAt = Date.now();
    const state = await client.readState({
      configPath,
      branchPrefix: BRANCH_PREFIX,
      issueLabel: UPDATER_ISSUE_LABEL,
    });
    const loaded = state.config ? await loadConfig(state.config.text) : undefined;
    // No config: nothing is watched. An invalid one: the apply reports it in an issue, and a
    // failure doing so retries every push, as nothing can say which ones it would watch.
    const policies: readonly Policy[] | undefined =
      loaded === undefined ? [] : loaded.ok ? loaded.config.policies : undefined;
    // A signature's push matters only to policies that verify: it may release an image they hold.
    const concerns = (policy: Policy, p: PushedImage) =>
      policyWatches(policy, p.image) &&
      (policy.verify !== undefined || signatureSubject(p.tag) === undefined);
    if (policies) watched = new Set(pushes.filter((p) => policies.some((policy) => concerns(policy, p))));

    const toList = new Set<string>();
    // A box ticked on the dashboard decides its policy from the registry's list, now.
    const ticked = loaded?.ok ? dashboardTicks(loaded.config, state.issues) : new Map();
    for (const policy of policies ?? []) {
      if (input.reconcile || ticked.has(policy)) toList.add(policy.image);
      // A promote policy reads its source's files, never the registry (docs/promotion.md).
      else if (
        !policy.promote &&
        needsTagList(policy) &&
        [...watched].some((p) => policyWatches(policy, p.image))
      )
        toList.add(policy.image);
      // Which tag the signature's digest carries is the registry's answer: decide from its list.
      else if (
        policy.verify &&
        [...watched].some((p) => signatureSubject(p.tag) !== undefined && policyWatches(policy, p.image))
      )
        toList.add(policy.image);
    }
    const listing = await input.tagLists.list(toList);
    if (input.onListFailure === 'fail' && listing.failures.length > 0) throw listing.failures[0]!.error;

    const report = await applyToRepo(
      client,
      {
        // A signature's push no verifying policy watches costs nothing past the first read.
        pushes: policies
          ? pushes.filter((p) => signatureSubject(p.tag) === undefined || watched.has(p))
          : pushes,
        ...(listing.lists.size > 0 ? { tagLists: listing.lists } : {}),
        ...(input.reconcile ? { reconcile: true } : {}),
        now: new Date((input.now ?? Date.now)()),
        ...defined({ promotions: input.promotions, health: input.health }),
      },
      {
        ...input.apply,
        configPath,
        loadConfig,
        memo: input.memo,
        prefetched: { state, ...defined({ config: loaded }) },
      },
    );
    if (input.delayed) await scheduleHeld(input.delayed, repo.repo, report);
    return { ok: true, report, watched, listing, reading: readingOf(state.config, loaded), readAt };
  } catch (error) {
    return { ok: false, error, watched };
  } finally {
    input.signal?.removeEventListener('abort', stop);
    stop();
  }
}

export function readingOf(
  config: { readonly sha: string } | undefined,
  loaded: Awaited<ReturnType<typeof loadConfig>> | undefined,
): ConfigReading {
  if (!config || !loaded) return { kind: 'absent' };
  return loaded.ok
    ? { kind: 'valid', sha: config.sha, policies: loaded.config.policies }
    : { kind: 'invalid', sha: config.sha };
}

/**
 * A wake-up for each held candidate with a due time: the push goes back on the queue then, with
 * its own push time, so it is applied without another push; a promotion `promote.after` holds
 * has its repository run then (one wake-up per due time). One that cannot be set fails the
 * repository's work, whose events are then retried: a held push is never dropped silently.
 */
async function scheduleHeld(delayed: DelayedWork, repo: string, report: RepoReport): Promise<void> {
  const runs = new Map<number, Date>();
  for (const d of report.decisions) {
    const due = d.policy.promote ? d.held?.due : undefined;
    if (due) runs.set(due.getTime(), due);
  }
  // minimumReleaseAge: when the held tag is old enough; the signature gate: when to look again
  // at the tag it checked (another tag than the held one, when an older tag is applied meanwhile).
  // A promotion's hold (promote.after) wakes its repository instead.
  const wakeUps = report.decisions.flatMap((d) => {
    const recheck = d.signature?.ok === false ? d.signature.recheck : undefined;
    const due = [
      ...(d.held?.due && !d.policy.promote ? [{ ...d.held, due: d.held.due }] : []),
      ...(recheck ? [{ ...recheck, due: recheck.at }] : []),
    ];
    return due.map((w) => ({
      due: w.due,
      push: { image: d.policy.image, tag: w.tag, ...defined({ digest: w.digest, pushedAt: w.pushedAt }) },
    }));
  });
  await Promise.all([
    ...wakeUps.map((w) => delayed.scheduleAt(w.due, w.push)),
    ...[...runs.values()].map((due) => delayed.scheduleRepoRun(due, repo)),
  ]);
}
