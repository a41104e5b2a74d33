/**
 * Applies pushes to one environment repository (SPEC §6): read its state in one round trip,
 * decide per policy, and for each branch/PR unit write at most one atomic commit, then open,
 * update, merge or close its pull request. Every ref update is fast-forward only; when another
 * writer wins a race the attempt is rebuilt on the new state, with backoff.
 */
import { loadConfig } from '../../config/load.ts';
import type { Config, Policy } from '../../config/schema.ts';
import type { CommitSnapshot, PullRequestInfo, RepoClient, RepoState } from '../../ports/git-host.ts';
import { isAlreadyExists, type GitHostErrorLike } from './host-errors.ts';
import { decide, policyWatches, type PolicyDecision, type PolicyTarget } from '../plan/decide.ts';
import { candidatesFor, planUpdates } from '../plan/plan.ts';
import { policyReferences, type FileProblem } from '../plan/scan.ts';
import {
  BRANCH_PREFIX,
  branchFor,
  buildUnit,
  unitKey,
  type UnitPlan,
  type UnitTarget,
} from '../plan/units.ts';
import type { PushedImage } from '../push.ts';
import { compareTags, type TagCandidate, type UpdateType } from '../tags/index.ts';
import { reportInvalidConfig, resolveConfigIssue, type ConfigIssueAction } from './config-issue.ts';
import { BaseBranchMissingError, ConcurrentUpdateError } from './errors.ts';
import {
  commitTrailers,
  isOurCommit,
  readCommitState,
  readPrState,
  renderPrBody,
  sameProposals,
  stateOf,
  type PrState,
} from './pr-state.ts';
import { inlineCode, markdownText } from './markdown.ts';
import { snapshotFiles } from './snapshot-files.ts';

export interface ApplyRequest {
  /** Pushes of one batch, any images; each policy takes those of its image. */
  readonly pushes: readonly PushedImage[];
  /** Registry tag lists per image, when listed (reconcile, `newest`). */
  readonly tagLists?: ReadonlyMap<string, readonly TagCandidate[]>;
  /** Decide every policy from the tag lists, not only those watching a pushed image. */
  readonly reconcile?: boolean;
}

/** Per warm function instance: which valid configs already had their config issue checked. */
export interface ApplyMemo {
  readonly checkedConfigs: Set<string>;
}

export interface ApplyOptions {
  readonly configPath: string;
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly memo?: ApplyMemo;
  /** The repository state the caller already read: the first attempt uses it instead of reading. */
  readonly prefetched?: RepoState;
}

export type UnitAction = 'opened' | 'updated' | 'unchanged' | 'committed' | 'closed' | 'blocked';
export type MergeAction = 'merged' | 'auto-merge-enabled' | 'auto-merge-disabled' | 'merge-failed';

export interface UnitReport {
  readonly key: string;
  readonly branch: string;
  readonly action: UnitAction;
  readonly merge?: MergeAction;
  readonly pull?: number;
  readonly updates: readonly {
    readonly policy: string;
    readonly from?: string;
    readonly to: string;
    readonly updateType: UpdateType;
  }[];
  readonly detail?: string;
}

/** A unit whose work failed; the other units of the repository went on. */
export interface UnitFailure {
  readonly key: string;
  readonly branch: string;
  /** The unit's policies: the events for their images are the ones to retry. */
  readonly policies: readonly Policy[];
  readonly error: unknown;
}

export type RepoOutcome = 'applied' | 'up-to-date' | 'no-config' | 'config-invalid' | 'no-policy';

export interface RepoReport {
  readonly repo: string;
  readonly outcome: RepoOutcome;
  readonly decisions: readonly PolicyDecision[];
  readonly units: readonly UnitReport[];
  /** Units that failed; empty when every unit did its work. */
  readonly failures: readonly UnitFailure[];
  readonly problems: readonly FileProblem[];
  readonly configIssue?: ConfigIssueAction;
  readonly attempts: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function applyToRepo(
  client: RepoClient,
  request: ApplyRequest,
  options: ApplyOptions,
): Promise<RepoReport> {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 200;
  const random = options.random ?? Math.random;
  // Updater branches found without an open PR, by unit key: what their head proposes.
  const leftovers = new Map<string, PrState>();
  for (let attempt = 1; ; attempt += 1) {
    try {
      // A retry after a lost race always reads afresh.
      const state = attempt === 1 && options.prefetched ? options.prefetched : undefined;
      return { ...(await attemptOnce(client, request, options, state, leftovers)), attempts: attempt };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= maxAttempts) throw error;
      if (error.branchHead) leftovers.set(error.branchHead.key, error.branchHead);
      // Full jitter: concurrent writers that collided once should not collide again in step.
      await (options.sleep ?? sleepFor)(random() * backoffMs * 2 ** (attempt - 1));
    }
  }
}

async function attemptOnce(
  client: RepoClient,
  request: ApplyRequest,
  options: ApplyOptions,
  prefetched: RepoState | undefined,
  leftovers: ReadonlyMap<string, PrState>,
): Promise<Omit<RepoReport, 'attempts'>> {
  const repo = `${client.repo.owner}/${client.repo.name}`;
  const none = { repo, decisions: [], units: [], failures: [], problems: [] };
  const state =
    prefetched ?? (await client.readState({ configPath: options.configPath, branchPrefix: BRANCH_PREFIX }));
  if (!state.config) return { ...none, outcome: 'no-config' };
  const loaded = await loadConfig(state.config.text);
  if (!loaded.ok) {
    const configIssue = await reportInvalidConfig(
      client,
      options.configPath,
      state.config.sha,
      loaded.issues,
    );
    return { ...none, outcome: 'config-invalid', configIssue };
  }
  const config = loaded.config;
  const memoKey = `${repo}@${state.config.sha}`;
  const configIssue = options.memo?.checkedConfigs.has(memoKey)
    ? undefined
    : resolveConfigIssue(client, options.configPath).then((action) => {
        options.memo?.checkedConfigs.add(memoKey);
        return action;
      });
  // Awaited by `finish`; an attempt that fails before it (a lost race, a GitHub error) must not
  // leave a rejection unhandled, which would crash the function instance and fail the batch.
  configIssue?.catch(() => {});

  const watching = request.reconcile
    ? config.policies
    : config.policies.filter((p) => request.pushes.some((push) => policyWatches(p, push.image)));
  const pulls = new Map<string, OpenPull>();
  for (const pull of state.pulls)
    pulls.set(keyOfBranch(pull.headRef), { pull, state: readPrState(pull.body) });
  await followBranchHeads(client, pulls, new Set(watching.map(unitKey)));
  const proposed = proposals(config, pulls, leftovers);
  // Only an open PR makes an event redundant: a branch without one still needs its PR.
  const open = leftovers.size > 0 ? proposals(config, pulls, new Map()) : proposed;

  const units: UnitReport[] = [];
  const failures: UnitFailure[] = [];
  units.push(...(await closeOrphans(client, config, pulls)));
  const finish = async (
    outcome: RepoOutcome,
    decisions: readonly PolicyDecision[],
    problems: readonly FileProblem[],
  ) => ({
    repo,
    outcome,
    decisions,
    units,
    failures,
    problems,
    ...(configIssue ? { configIssue: await configIssue } : {}),
  });
  if (watching.length === 0) return finish('no-policy', [], []);

  // A duplicate or older event: the open PRs already propose at least what it offers, so
  // nothing is read or written beyond the first round trip.
  // (Unless a PR's description lags behind its branch: this event brings it level.)
  if (
    !request.reconcile &&
    ![...pulls.values()].some((p) => p.lagging) &&
    watching.every((p) =>
      cannotImprove(p, candidatesFor(p, request.pushes, request.tagLists), open.get(p.name)),
    )
  ) {
    return finish('up-to-date', [], []);
  }

  const keys = new Set(watching.map(unitKey));
  const members = config.policies.filter((p) => keys.has(unitKey(p)));
  const byBase = new Map<string, Policy[]>();
  for (const p of members) {
    const base = p.baseBranch ?? state.defaultBranch;
    byBase.set(base, [...(byBase.get(base) ?? []), p]);
  }
  const decisions: PolicyDecision[] = [];
  const problems: FileProblem[] = [];
  let lostRace: ConcurrentUpdateError | undefined;
  await Promise.all(
    [...byBase].map(async ([base, policies]) => {
      const snapshot = base === state.defaultBranch ? state.head : await client.readBranch(base);
      if (!snapshot) throw new BaseBranchMissingError(base);
      const files = snapshotFiles(client, snapshot);
      const plan = await planUpdates({
        config,
        repo: files,
        pushes: request.pushes,
        ...(request.tagLists ? { tagLists: request.tagLists } : {}),
        proposed,
        policies,
        configPath: options.configPath,
      });
      decisions.push(...plan.decisions.filter((d) => watching.includes(d.policy)));
      problems.push(...plan.scan.problems);
      const unitKeys = [...new Set(policies.map(unitKey))];
      const unitPolicies = (key: string) => policies.filter((p) => unitKey(p) === key);
      // Units are independent: one that fails (its writes refused, GitHub down for it) does not
      // stop the others, and the caller retries only the events that concern it.
      const settled = await Promise.allSettled(
        unitKeys.map(async (key) => {
          const targets = unitTargets(unitPolicies(key), plan.decisions, proposed, (p) =>
            [...policyReferences(p, plan.scan).values()].flat(),
          );
          const unit = buildUnit(key, targets, plan.scan);
          problems.push(...(unit?.problems ?? []));
          const existing = pulls.get(key);
          const leftover = existing ? undefined : leftovers.get(key);
          const run = () => applyUnit(client, key, unit, existing, leftover, snapshot, base, files.modeOf);
          const writes = writesNeeded(unit, existing);
          return client.reserveWrites && writes > 0 ? client.reserveWrites(writes, run) : run();
        }),
      );
      for (const [i, outcome] of settled.entries()) {
        if (outcome.status === 'fulfilled') {
          if (outcome.value) units.push(outcome.value);
          continue;
        }
        const key = unitKeys[i]!;
        const error: unknown = outcome.reason;
        // A lost race re-reads and rebuilds the whole attempt, as before.
        if (error instanceof ConcurrentUpdateError) lostRace ??= error;
        else
          failures.push({
            key,
            branch: branchFor(key),
            policies: unitPolicies(key),
            error,
          });
      }
    }),
  );
  if (lostRace) throw lostRace;
  return finish('applied', decisions, problems);
}

function keyOfBranch(branch: string): string {
  return branch.slice(BRANCH_PREFIX.length).replace(/\//g, ':');
}

/** An open updater PR and its state; `lagging` when the state was read from the branch head. */
interface OpenPull {
  readonly pull: PullRequestInfo;
  readonly state: PrState | undefined;
  readonly lagging?: boolean;
}

/**
 * A PR whose branch head is not the commit its description names: when the head is our own
 * commit (a worker stopped between moving the branch and updating the PR, or two updates
 * crossed), the head's trailer is the state, so no worker ever proposes less than the branch
 * holds. One more round trip, only in that case; someone else's head is left to `applyUnit`.
 */
async function followBranchHeads(
  client: RepoClient,
  pulls: Map<string, OpenPull>,
  keys: ReadonlySet<string>,
): Promise<void> {
  await Promise.all(
    [...pulls].map(async ([key, open]) => {
      const st = open.state;
      if (!keys.has(key) || !st || st.commit === open.pull.headSha || st.blockedAt === open.pull.headSha)
        return;
      const head = await client.readCommit(open.pull.headSha);
      const recovered = head && readCommitState(head.message, key, head.sha);
      if (recovered) pulls.set(key, { ...open, state: recovered, lagging: true });
    }),
  );
}

function proposals(
  config: Config,
  pulls: ReadonlyMap<string, OpenPull>,
  leftovers: ReadonlyMap<string, PrState>,
): Map<string, PolicyTarget> {
  const result = new Map<string, PolicyTarget>();
  for (const p of config.policies) {
    const key = unitKey(p);
    const proposal = (pulls.get(key)?.state ?? leftovers.get(key))?.policies[p.name];
    if (proposal)
      result.set(p.name, {
        tag: proposal.tag,
        ...(proposal.digest !== undefined ? { digest: proposal.digest } : {}),
      });
  }
  return result;
}

function cannotImprove(
  policy: Policy,
  candidates: readonly TagCandidate[],
  proposal: PolicyTarget | undefined,
): boolean {
  if (!proposal || policy.allowDowngrade) return false;
  return candidates.every((c) => {
    if (policy.strategy === 'digest')
      return c.tag !== policy.track || c.digest === undefined || c.digest === proposal.digest;
    const order = compareTags(policy, c.tag, proposal.tag);
    return order !== undefined && order <= 0;
  });
}

/**
 * What a unit's branch should propose: each member's new decision, or else what its open PR
 * already proposes while that is still ahead of the base branch (so one image's push never
 * drops another image's pending update from a group PR).
 */
function unitTargets(
  policies: readonly Policy[],
  decisions: readonly PolicyDecision[],
  proposed: ReadonlyMap<string, PolicyTarget>,
  referencesOf: (p: Policy) => ReturnType<typeof policyReferences> extends Map<string, infer R> ? R : never,
): UnitTarget[] {
  const targets: UnitTarget[] = [];
  for (const policy of policies) {
    const d = decisions.find((x) => x.policy === policy);
    if (d?.outcome === 'update' && d.to && d.updateType) {
      targets.push({ policy, to: d.to, ...(d.from ? { from: d.from } : {}), updateType: d.updateType });
      continue;
    }
    const proposal = proposed.get(policy.name);
    if (!proposal) continue;
    const still = decide({ policy, references: referencesOf(policy), candidates: [proposal] });
    if (still.outcome === 'update' && still.to && still.updateType) {
      targets.push({
        policy,
        to: still.to,
        ...(still.from ? { from: still.from } : {}),
        updateType: still.updateType,
      });
    }
  }
  return targets;
}

function reportOf(
  unit: UnitPlan | undefined,
  key: string,
  branch: string,
  action: UnitAction,
  extra: Partial<UnitReport> = {},
): UnitReport {
  return {
    key,
    branch,
    action,
    updates: (unit?.updates ?? []).map((u) => ({
      policy: u.policy.name,
      ...(u.from ? { from: u.from.tag } : {}),
      to: u.to.tag,
      updateType: u.updateType,
    })),
    ...extra,
  };
}

/**
 * The content-creating requests `applyUnit` will make for this unit (GraphQL counts: GitHub's
 * secondary limit does), set aside before it starts. An estimate from above for the common
 * paths; a write beyond it is admitted on its own.
 */
export function writesNeeded(unit: UnitPlan | undefined, existing: OpenPull | undefined): number {
  const close = 3; // comment, close, delete the branch
  if (!unit) return existing?.state ? close : 0;
  if (unit.files.length === 0) return 0;
  const commit = 3; // tree, commit, ref
  if (unit.update === 'commit') return commit + (existing?.state ? close : 0);
  const merge = (autoMergeOn: boolean, wrote: boolean) => {
    if (!unit.automerge) return autoMergeOn ? 1 : 0;
    // Enabling it, or (GitHub says the PR is mergeable already) merging and deleting the branch.
    if (unit.mergeStrategy === 'auto') return autoMergeOn ? 0 : 3;
    return wrote ? 2 : 0; // merge, delete the branch
  };
  if (!existing) {
    const labels = unit.labels.length > 0 ? 1 : 0;
    const reviewers = unit.reviewers.length > 0 ? 1 : 0;
    return commit + 1 + labels + reviewers + merge(false, true);
  }
  const st = existing.state;
  if (!st) return 0;
  if (existing.pull.headSha !== st.commit) return st.blockedAt === existing.pull.headSha ? 0 : 2; // said once: a comment and the description
  if (sameProposals(unit, st)) return (existing.lagging ? 1 : 0) + merge(existing.pull.autoMerge, false);
  const labels = unit.labels.some((l) => !existing.pull.labels.includes(l)) ? 1 : 0;
  return commit + 1 + labels + merge(existing.pull.autoMerge, true);
}

async function applyUnit(
  client: RepoClient,
  key: string,
  unit: UnitPlan | undefined,
  existing: OpenPull | undefined,
  leftover: PrState | undefined,
  base: CommitSnapshot,
  baseBranch: string,
  modeOf: (path: string) => string | undefined,
): Promise<UnitReport | undefined> {
  const branch = unit?.branch ?? branchFor(key);
  if (unit && unit.files.length === 0) {
    // Something is ahead of the base, but no reference could take it (a digest pin and a push
    // without a digest): leave any open PR as it is.
    return existing
      ? reportOf(unit, key, branch, 'unchanged', {
          pull: existing.pull.number,
          detail: 'no reference could take the update',
        })
      : undefined;
  }
  if (!unit) {
    if (!existing || !existing.state) return undefined;
    // Everything the PR proposes is on the base branch already (merged by hand, or a newer
    // commit there): the PR has nothing left to do.
    await client.comment(
      existing.pull.number,
      'Closing: the base branch already has these image versions (or newer ones).',
    );
    await client.updatePull(existing.pull.number, { state: 'closed' });
    await client.deleteBranch(existing.pull.headRef);
    return reportOf(unit, key, branch, 'closed', { pull: existing.pull.number });
  }
  // Keep an executable bit: the commit changes content only.
  const files = unit.files.map((f) => ({
    path: f.file,
    content: f.after,
    mode: modeOf(f.file) === '100755' ? ('100755' as const) : ('100644' as const),
  }));
  const message = `${unit.commitMessage}\n\n${commitTrailers(stateOf(unit, base.commitSha, ''))}`;

  if (unit.update === 'commit') {
    const sha = await client.createCommit({
      parents: [base.commitSha],
      baseTreeSha: base.treeSha,
      files,
      message,
    });
    if ((await client.moveBranch(baseBranch, sha)) === 'not-fast-forward') {
      throw new ConcurrentUpdateError(`${baseBranch} moved while committing ${key}`);
    }
    if (existing?.state) {
      await client.comment(existing.pull.number, `Superseded: ${key} now commits directly to ${baseBranch}.`);
      await client.updatePull(existing.pull.number, { state: 'closed' });
      await client.deleteBranch(existing.pull.headRef);
    }
    return reportOf(unit, key, branch, 'committed');
  }

  let pull: PullRequestInfo;
  if (existing) {
    const st = existing.state;
    if (!st) {
      return reportOf(unit, key, branch, 'blocked', {
        pull: existing.pull.number,
        detail: 'the pull request has no image-updater state; left alone',
      });
    }
    if (existing.pull.headSha !== st.commit) {
      if (st.blockedAt === existing.pull.headSha)
        return reportOf(unit, key, branch, 'blocked', { pull: existing.pull.number });
      // Our own heads were followed already (`followBranchHeads`); these are commits of ours
      // without a state trailer (an older version of the updater), or someone else's.
      const commits = await client.commitsBetween(st.commit, existing.pull.headSha);
      if (commits.length > 0 && commits.every((c) => isOurCommit(c.message, key))) {
        throw new ConcurrentUpdateError(`another worker updated ${branch}`);
      }
      await client.comment(
        existing.pull.number,
        `Someone else pushed to \`${branch}\`, so image-updater will not overwrite it. It would now propose:\n\n${unit.updates
          .map((u) => `- ${markdownText(u.policy.name)}: ${inlineCode(u.to.tag)}`)
          .join(
            '\n',
          )}\n\nClose this pull request (or reset the branch) to let image-updater take over again.`,
      );
      await client.updatePull(existing.pull.number, {
        body: renderPrBody(unit, { ...st, blockedAt: existing.pull.headSha }),
      });
      return reportOf(unit, key, branch, 'blocked', {
        pull: existing.pull.number,
        detail: 'foreign commits on the branch',
      });
    }
    if (sameProposals(unit, st)) {
      const [merge] = await Promise.all([
        syncAutoMerge(client, unit, existing.pull, false),
        // The description lagged behind the branch: bring it level.
        existing.lagging
          ? client.updatePull(existing.pull.number, { title: unit.title, body: renderPrBody(unit, st) })
          : undefined,
      ]);
      return reportOf(unit, key, branch, 'unchanged', { pull: existing.pull.number, ...merge });
    }
    // On top of our last commit (fast-forward only); merging the base in when it moved keeps the
    // PR's diff to the image changes alone.
    const parents =
      st.base === base.commitSha ? [existing.pull.headSha] : [existing.pull.headSha, base.commitSha];
    const sha = await client.createCommit({ parents, baseTreeSha: base.treeSha, files, message });
    if ((await client.moveBranch(existing.pull.headRef, sha)) === 'not-fast-forward') {
      throw new ConcurrentUpdateError(`${branch} moved while updating it`);
    }
    const missing = unit.labels.filter((l) => !existing.pull.labels.includes(l));
    pull = { ...existing.pull, headSha: sha };
    // Auto-merge needs only the PR, so it goes out with the description: one round trip.
    const [, , merge] = await Promise.all([
      client.updatePull(existing.pull.number, {
        title: unit.title,
        body: renderPrBody(unit, stateOf(unit, base.commitSha, sha)),
      }),
      client.addLabels(existing.pull.number, missing),
      syncAutoMerge(client, unit, pull, true),
    ]);
    return reportOf(unit, key, branch, 'updated', { pull: pull.number, ...merge });
  } else {
    // A branch of ours found earlier without an open PR is built upon, never overwritten: it
    // may be another worker's that is about to open the PR.
    const parents = !leftover
      ? [base.commitSha]
      : leftover.base === base.commitSha
        ? [leftover.commit]
        : [leftover.commit, base.commitSha];
    const sha = await client.createCommit({ parents, baseTreeSha: base.treeSha, files, message });
    if (leftover) {
      if ((await client.moveBranch(branch, sha)) === 'not-fast-forward') {
        const head = await client.readCommit(branch);
        const proposes = head && readCommitState(head.message, key, head.sha);
        throw new ConcurrentUpdateError(`${branch} moved while updating it`, undefined, proposes);
      }
    } else if (!(await client.createBranch(branch, sha))) {
      // A branch without an open PR: another worker's (its PR is on the way), ours from an
      // earlier run (the PR was closed), or someone else's.
      const commits = await client.commitsBetween(base.commitSha, branch);
      if (!commits.every((c) => isOurCommit(c.message, key))) {
        return reportOf(unit, key, branch, 'blocked', {
          detail: `branch ${branch} exists with commits image-updater did not write`,
        });
      }
      const head = commits.length > 0 ? await client.readCommit(branch) : undefined;
      const proposes = head && readCommitState(head.message, key, head.sha);
      if (proposes)
        throw new ConcurrentUpdateError(`${branch} exists without a pull request`, undefined, proposes);
      // Nothing on it, or only commits of an older version without a state: take it over.
      await client.moveBranch(branch, sha, { force: true });
    }
    try {
      pull = await client.createPull({
        head: branch,
        base: baseBranch,
        title: unit.title,
        body: renderPrBody(unit, stateOf(unit, base.commitSha, sha)),
      });
    } catch (error) {
      if (isAlreadyExists(error as GitHostErrorLike))
        throw new ConcurrentUpdateError(`another worker opened the PR for ${branch}`, error);
      throw error;
    }
    const [, , merge] = await Promise.all([
      client.addLabels(pull.number, unit.labels),
      client.requestReviewers(pull.number, unit.reviewers),
      syncAutoMerge(client, unit, pull, true),
    ]);
    return reportOf(unit, key, branch, 'opened', { pull: pull.number, ...merge });
  }
}

/**
 * Auto-merge follows the update type: on for what `automerge` allows, and switched off again
 * when a bigger update lands in a PR that had it on. An immediate merge is tried right after a
 * write; a failure leaves the PR open with a comment.
 */
async function syncAutoMerge(
  client: RepoClient,
  unit: UnitPlan,
  pull: PullRequestInfo,
  wrote: boolean,
): Promise<{ merge?: MergeAction; detail?: string }> {
  if (!unit.automerge) {
    if (!pull.autoMerge) return {};
    await client.disableAutoMerge(pull);
    return { merge: 'auto-merge-disabled' };
  }
  if (unit.mergeStrategy === 'auto') {
    if (pull.autoMerge) return {};
    const result = await client.enableAutoMerge(pull, unit.mergeMethod);
    if (result === 'enabled') return { merge: 'auto-merge-enabled' };
    if (result !== 'already-mergeable') {
      await client.comment(pull.number, `image-updater could not enable auto-merge: ${result.failed}`);
      return { merge: 'merge-failed', detail: result.failed };
    }
  } else if (!wrote) {
    return {};
  }
  const merged = await client.merge(pull.number, {
    sha: pull.headSha,
    method: unit.mergeMethod,
    title: unit.title,
  });
  if (merged.merged) {
    await client.deleteBranch(pull.headRef);
    return { merge: 'merged' };
  }
  await client.comment(
    pull.number,
    `image-updater could not merge this pull request: ${merged.reason}. It stays open for review.`,
  );
  return { merge: 'merge-failed', detail: merged.reason };
}

/** Open updater PRs whose policy or group no longer exists in the config. */
async function closeOrphans(
  client: RepoClient,
  config: Config,
  pulls: ReadonlyMap<string, { pull: PullRequestInfo; state: PrState | undefined }>,
): Promise<UnitReport[]> {
  const live = new Set(config.policies.map(unitKey));
  const orphans = [...pulls].filter(([key, p]) => !live.has(key) && p.state !== undefined);
  return Promise.all(
    orphans.map(async ([key, { pull }]) => {
      await client.comment(
        pull.number,
        `Superseded: the config no longer has a policy or group named \`${key}\`.`,
      );
      await client.updatePull(pull.number, { state: 'closed' });
      await client.deleteBranch(pull.headRef);
      return { key, branch: pull.headRef, action: 'closed' as const, pull: pull.number, updates: [] };
    }),
  );
}
