/**
 * One attempt at a repository: read its state (or take the one already read), decide per
 * policy, and run every unit's action. A lost race anywhere throws, for the caller to rebuild the
 * attempt on a fresh read; any other unit failure is reported and the other units go on.
 */
import type { ConfigLoadResult } from '../config.ts';
import type { Config, Policy } from '../config.ts';
import type { CommitSnapshot, RepoClient, RepoState } from '../../ports/git-host.ts';
import { policyWatches, type IgnoredTarget, type PolicyDecision, type PolicyTarget } from '../plan/decide.ts';
import { candidatesFor, planUpdates } from '../plan/plan.ts';
import { checkConfigInRepo } from '../plan/overlap.ts';
import { policyProblems, policyReferences, type FileProblem } from '../plan/scan.ts';
import { BRANCH_PREFIX, branchFor, buildUnit, unitKey } from '../plan/units.ts';
import { UPDATER_ISSUE_LABEL } from '../../names.ts';
import type { ApplyOptions, ApplyRequest } from './apply.ts';
import {
  ANSWER_COST,
  answerClosed,
  closedBranchHead,
  ignoredTargets,
  liftClosed,
  readClosedPulls,
  type ClosedPull,
} from './closed-pulls.ts';
import { reportInvalidConfig, resolveConfigIssue } from './config-issue.ts';
import { BaseBranchMissingError, ConcurrentUpdateError } from './errors.ts';
import { DashboardFeed, keepDashboard, type BaseFeed, type DashboardOutcome } from './dashboard-step.ts';
import { runUnitAction } from './executors.ts';
import { dashboardHealth, dashboardTicks } from '../dashboard/sync.ts';
import type { HealthReport } from '../plan/health.ts';
import { proposals, readOpenPulls, type OpenPull } from './open-pulls.ts';
import { closeOrphans } from './orphans.ts';
import type { PrState } from './pr-state.ts';
import type { RepoOutcome, RepoReport, UnitFailure, UnitReport } from './report.ts';
import { snapshotFiles } from './snapshot-files.ts';
import { cannotImprove, unitTargets } from './targets.ts';
import { landingsOf } from './landings.ts';
import { policyMatcher } from '../plan/scan.ts';
import { chooseUnitAction, costOf } from './unit-action.ts';
import { provenanceOf } from './provenance-step.ts';
import { defined } from '../../objects.ts';

export interface AttemptInput {
  readonly client: RepoClient;
  readonly request: ApplyRequest;
  readonly options: ApplyOptions;
  /** The state to use instead of reading it (the first attempt, when the caller read it). */
  readonly state: RepoState | undefined;
  /** Updater branches found without an open PR, by unit key: what their head proposes. */
  readonly leftovers: ReadonlyMap<string, PrState>;
  /** Heads this run sent a PR for: shared by its attempts. */
  readonly opened: Set<string>;
  /** The config text's parse; the same text is parsed once per run. */
  readonly parse: (config: NonNullable<RepoState['config']>) => Promise<ConfigLoadResult>;
}

export async function attemptOnce(input: AttemptInput): Promise<Omit<RepoReport, 'attempts'>> {
  const { client, request, options, leftovers } = input;
  const repo = `${client.repo.owner}/${client.repo.name}`;
  const none = { repo, decisions: [], units: [], failures: [], problems: [] };
  const state =
    input.state ??
    (await client.readState({
      configPath: options.configPath,
      branchPrefix: BRANCH_PREFIX,
      issueLabel: UPDATER_ISSUE_LABEL,
    }));
  if (!state.config) return { ...none, outcome: 'no-config' };
  const memoKey = `${repo}@${state.config.sha}`;
  const loaded = await checkConfigInRepo(await input.parse(state.config), {
    filesOn: async (base) => {
      const snapshot = base === undefined ? state.head : await client.readBranch(base);
      // A missing base branch holds no overlap; its policies' units report it.
      return snapshot
        ? snapshotFiles(client, snapshot)
        : { listFiles: async () => [], readFile: async () => undefined };
    },
    defaultBranch: state.defaultBranch,
    configPath: options.configPath,
  });
  if (!loaded.ok) {
    // Validity depends on the manifests too: the same config blob can be valid again later.
    options.memo?.checkedConfigs.delete(memoKey);
    const configIssue = await reportInvalidConfig(
      client,
      options.configPath,
      state.config.sha,
      loaded.issues,
      state.issues,
    );
    return { ...none, outcome: 'config-invalid', configIssue };
  }
  const config = loaded.config;
  const configIssue = closeConfigIssue(client, options, memoKey, state.issues);

  // Boxes ticked on the dashboard: their policies are decided now, whatever the event.
  const ticks = dashboardTicks(config, state.issues);
  // The health reports `when: healthy` promotions wait for: the dashboard keeps them.
  const health = dashboardHealth(config, state.issues, request.health);
  // A registry push never moves a promote policy; a change landed on a base branch does.
  const landed = promotedBy(config, request.promotions);
  const watching = request.reconcile
    ? config.policies
    : config.policies.filter(
        (p) =>
          ticks.has(p) ||
          landed(p) ||
          (!p.promote && request.pushes.some((push) => policyWatches(p, push.image))),
      );
  const keys = new Set(watching.map(unitKey));
  const pulls = await readOpenPulls(client, state.pulls, keys);
  const proposed = proposals(config, pulls, leftovers);
  // Only an open PR makes an event redundant: a branch without one still needs its PR.
  const open = leftovers.size > 0 ? proposals(config, pulls, new Map()) : proposed;
  const unignore = [...ticks].filter(([, action]) => action === 'unignore').map(([p]) => p);
  const closed = await liftClosed(client, readClosedPulls(state.closedPulls), unignore);
  const ignored = ignoredTargets(config, closed);
  // A person's close not answered yet: the event that concerns its unit answers it.
  const unanswered = closed.filter((c) => c.state.closed === undefined && keys.has(c.key));

  const orphans = await closeOrphans(client, config, pulls);
  const finish = async (
    outcome: RepoOutcome,
    work: BaseWork = NO_WORK,
    dashboard?: Promise<DashboardOutcome>,
  ) => ({
    repo,
    outcome,
    decisions: work.decisions,
    units: [...orphans, ...work.units],
    failures: work.failures,
    problems: work.problems,
    ...(configIssue ? { configIssue: await configIssue } : {}),
    ...(dashboard ? { dashboard: await dashboard } : {}),
  });
  if (watching.length === 0) return finish('no-policy');

  if (
    !request.reconcile &&
    request.promotions === undefined &&
    unanswered.length === 0 &&
    ticks.size === 0 &&
    redundant(request, watching, pulls, open, ignored, input.opened)
  )
    return finish('up-to-date');

  const members = config.policies.filter((p) => keys.has(unitKey(p)));
  const byBase = new Map<string, Policy[]>();
  for (const p of members) {
    const base = p.baseBranch ?? state.defaultBranch;
    byBase.set(base, [...(byBase.get(base) ?? []), p]);
  }
  const bases = { ...input, config, state, pulls, proposed, ignored, closed, unanswered, watching, health };
  // Only a run that decides something can change a line: a redundant event writes nothing.
  const feed = new DashboardFeed(byBase.size);
  const dashboard = feed.written((parts) =>
    keepDashboard(client, { config, state, request, pulls, orphans, health, ...parts }),
  );
  // Collected, then merged in config order: a report never depends on which base finished first.
  const work = await Promise.all(
    [...byBase].map(([base, policies], i) =>
      feed.settle(i, applyBase({ ...bases, feed: feed.base(i) }, base, policies)),
    ),
  );
  const lostRace = work.find((w) => w.lostRace)?.lostRace;
  if (lostRace) throw lostRace;
  return finish(
    'applied',
    {
      decisions: work.flatMap((w) => w.decisions),
      units: work.flatMap((w) => w.units),
      failures: work.flatMap((w) => w.failures),
      problems: work.flatMap((w) => w.problems),
    },
    dashboard,
  );
}

/**
 * The check that a valid config has no open config issue left, once per config blob and warm
 * instance. Awaited by the attempt's end; an attempt that fails before it (a lost race, a
 * GitHub error) must not leave a rejection unhandled, which would crash the function instance.
 */
function closeConfigIssue(
  client: RepoClient,
  options: ApplyOptions,
  memoKey: string,
  issues: RepoState['issues'],
) {
  if (options.memo?.checkedConfigs.has(memoKey)) return undefined;
  const check = resolveConfigIssue(client, options.configPath, issues).then((action) => {
    options.memo?.checkedConfigs.add(memoKey);
    return action;
  });
  check.catch(() => {});
  return check;
}

/**
 * A duplicate or older event: the open PRs (or a closed one's "no") already cover what it offers,
 * so nothing is read or written beyond the first round trip. Unless a PR's description lags behind its
 * branch (this event brings it level), or this run opened a PR and lost GitHub's answer (its
 * labels, reviewers and merge step are still to do).
 */
function redundant(
  request: ApplyRequest,
  watching: readonly Policy[],
  pulls: ReadonlyMap<string, OpenPull>,
  open: ReadonlyMap<string, PolicyTarget>,
  ignored: ReadonlyMap<string, PolicyTarget>,
  opened: ReadonlySet<string>,
): boolean {
  if ([...pulls.values()].some((p) => p.lagging || opened.has(p.pull.headSha))) return false;
  return watching.every((p) =>
    cannotImprove(
      p,
      candidatesFor(p, request.pushes, request.tagLists),
      open.get(p.name) ?? ignored.get(p.name),
    ),
  );
}

/**
 * Which promote policies a change landed on a base branch concerns: those whose source's files
 * the change touched (`all`: every one).
 */
function promotedBy(config: Config, promotions: ApplyRequest['promotions']): (p: Policy) => boolean {
  if (promotions === undefined) return () => false;
  return (p) => {
    const source = p.promote && config.policies.find((s) => s.name === p.promote!.from);
    if (!source) return false;
    if (promotions === 'all') return true;
    const matches = policyMatcher(source);
    return promotions.some((path) => matches(path));
  };
}

interface BaseWork {
  readonly decisions: readonly PolicyDecision[];
  readonly units: readonly UnitReport[];
  readonly failures: readonly UnitFailure[];
  readonly problems: readonly FileProblem[];
  readonly lostRace?: ConcurrentUpdateError;
}

const NO_WORK: BaseWork = { decisions: [], units: [], failures: [], problems: [] };

interface BaseInput {
  readonly client: RepoClient;
  readonly request: ApplyRequest;
  readonly options: ApplyOptions;
  readonly config: Config;
  readonly state: RepoState;
  readonly pulls: ReadonlyMap<string, OpenPull>;
  readonly leftovers: ReadonlyMap<string, PrState>;
  readonly proposed: ReadonlyMap<string, PolicyTarget>;
  readonly ignored: ReadonlyMap<string, IgnoredTarget>;
  readonly closed: readonly ClosedPull[];
  readonly unanswered: readonly ClosedPull[];
  readonly watching: readonly Policy[];
  readonly opened: Set<string>;
  readonly feed: BaseFeed;
  readonly health: ReadonlyMap<string, HealthReport>;
}

/** The units built on one base branch: planned on its head, each unit's action run concurrently. */
async function applyBase(input: BaseInput, base: string, policies: readonly Policy[]): Promise<BaseWork> {
  const { client, request, state } = input;
  const snapshot: CommitSnapshot | undefined =
    base === state.defaultBranch ? state.head : await client.readBranch(base);
  if (!snapshot) throw new BaseBranchMissingError(base);
  const files = snapshotFiles(client, snapshot);
  const plan = await planUpdates({
    config: input.config,
    repo: files,
    pushes: request.pushes,
    ...defined({ tagLists: request.tagLists, now: request.now }),
    proposed: input.proposed,
    ignored: input.ignored,
    policies,
    configPath: input.options.configPath,
    ...defined({ verifier: input.options.verifier }),
    promotion: {
      defaultBranch: state.defaultBranch,
      filesOn: async (other) => {
        const at =
          other === base ? snapshot : other === undefined ? state.head : await client.readBranch(other);
        return at
          ? snapshotFiles(client, at)
          : { listFiles: async () => [], readFile: async () => undefined };
      },
      landed: landingsOf(state.closedPulls),
      health: input.health,
      ...(client.compareCommits
        ? {
            contains: async (ancestor: string, head: string) => {
              const status = await client.compareCommits!(ancestor, head);
              return status === undefined ? undefined : status === 'ahead' || status === 'identical';
            },
          }
        : {}),
      ...(client.lastCommitTouching
        ? {
            lastChange: async (branch: string, file: string) => {
              const last = await client.lastCommitTouching!(branch, file);
              return last && { commit: last.sha, at: last.at };
            },
          }
        : {}),
    },
  });
  const unitKeys = [...new Set(policies.map(unitKey))];
  const unitPolicies = (key: string) => policies.filter((p) => unitKey(p) === key);
  const decided = plan.decisions.filter((d) => input.watching.includes(d.policy));
  const early = unitKeys.map(() => input.feed.unit());
  input.feed.planned(
    decided,
    early.map((e) => e.promise),
    new Map(decided.map((d) => [d.policy.name, policyProblems(d.policy, plan.scan)])),
  );
  const answered = await answerCloses(input, unitKeys, unitPolicies, plan.decisions);
  // Units are independent: one that fails (its writes refused, GitHub down for it) does not
  // stop the others, and the caller retries only the events that concern it.
  // A unit's problems are reported whether or not its writes then succeed.
  const unitProblems: (readonly FileProblem[])[] = unitKeys.map(() => []);
  const settled = await Promise.allSettled(
    unitKeys.map(async (key, i) => {
      const targets = unitTargets(unitPolicies(key), plan.decisions, input.proposed, (p) =>
        [...policyReferences(p, plan.scan).values()].flat(),
      );
      const unit = buildUnit(key, targets, plan.scan);
      unitProblems[i] = unit?.problems ?? [];
      const existing = input.pulls.get(key);
      const leftover = existing
        ? undefined
        : (input.leftovers.get(key) ?? closedBranchHead(input.closed, key));
      const append = client.appendCommit ? { base: snapshot.commitSha, modeOf: files.modeOf } : undefined;
      const action = chooseUnitAction({
        unit,
        existing,
        leftover,
        opened: input.opened,
        ...defined({ append }),
      });
      const sections = provenanceOf(input.options.provenance, input.client, action, plan.decisions);
      const ctx = {
        client,
        key,
        base: snapshot,
        baseBranch: base,
        modeOf: files.modeOf,
        opened: input.opened,
        opening: (report: UnitReport) => early[i]!.resolve({ report }),
        ...defined({ sections }),
      };
      const run = () => runUnitAction(ctx, action);
      const writes = costOf(action);
      return client.reserveWrites && writes > 0 ? client.reserveWrites(writes, run) : run();
    }),
  );
  // Whatever each unit's outcome, the dashboard hears it (a PR's opening told it earlier).
  for (const [i, outcome] of settled.entries()) {
    const key = unitKeys[i]!;
    early[i]!.resolve(
      outcome.status === 'rejected'
        ? { failure: { key, branch: branchFor(key), policies: unitPolicies(key), error: outcome.reason } }
        : outcome.value
          ? { report: outcome.value }
          : {},
    );
  }
  const units: UnitReport[] = [...answered.units];
  const failures: UnitFailure[] = [...answered.failures];
  const problems: FileProblem[] = [...plan.scan.problems, ...unitProblems.flat()];
  let lostRace: ConcurrentUpdateError | undefined;
  for (const [i, outcome] of settled.entries()) {
    if (outcome.status === 'fulfilled') {
      if (outcome.value) units.push(outcome.value);
      continue;
    }
    const key = unitKeys[i]!;
    const error: unknown = outcome.reason;
    // A lost race re-reads and rebuilds the whole attempt, as before.
    if (error instanceof ConcurrentUpdateError) lostRace ??= error;
    else failures.push({ key, branch: branchFor(key), policies: unitPolicies(key), error });
  }
  return {
    decisions: decided,
    units,
    failures,
    problems,
    ...defined({ lostRace }),
  };
}

/**
 * The unanswered closes of these units, answered before their units act (`closed-pulls.ts`). An
 * answer that fails is its unit's failure (retried with its events); the units still act.
 */
async function answerCloses(
  input: BaseInput,
  unitKeys: readonly string[],
  unitPolicies: (key: string) => Policy[],
  decisions: readonly PolicyDecision[],
): Promise<{ readonly units: UnitReport[]; readonly failures: UnitFailure[] }> {
  const { client } = input;
  const closes = input.unanswered.filter((c) => unitKeys.includes(c.key));
  const settled = await Promise.allSettled(
    closes.map((c) => {
      const answer = () =>
        answerClosed(client, c, unitPolicies(c.key), decisions, input.config.dashboard !== false);
      return client.reserveWrites ? client.reserveWrites(ANSWER_COST, answer) : answer();
    }),
  );
  const units: UnitReport[] = [];
  const failures: UnitFailure[] = [];
  for (const [i, outcome] of settled.entries()) {
    const { key } = closes[i]!;
    if (outcome.status === 'fulfilled') {
      if (outcome.value) units.push(outcome.value);
    } else {
      failures.push({ key, branch: branchFor(key), policies: unitPolicies(key), error: outcome.reason });
    }
  }
  return { units, failures };
}
