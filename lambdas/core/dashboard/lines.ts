/**
 * The dashboard's content (SPEC §6): one line per policy saying where its image is and why. A
 * run decides some policies (those watching the pushed image; all of them in a reconcile); the
 * others keep the line an earlier run wrote. A line holds only what a person reads, and
 * nothing that moves while its state stays the same: an open PR's line names the PR (whose
 * title carries the tag), so a PR moving to a newer tag rewrites no dashboard, and a PR update
 * stays at two writes.
 */
import type { Policy } from '../config.ts';
import type { PolicyDecision } from '../plan/decide.ts';
import type { FileProblem } from '../plan/scan.ts';
import { unitKey } from '../plan/units.ts';
import { compareTags, selectTag, type TagCandidate } from '../tags/index.ts';
import type { UnitFailure, UnitReport } from '../apply/report.ts';
import { ImageUpdaterError } from '../../errors.ts';
import { defined } from '../../objects.ts';

export const LINE_STATES = ['up-to-date', 'pr-open', 'held', 'ignored', 'blocked', 'failing'] as const;
type LineState = (typeof LINE_STATES)[number];

export interface DashboardLine {
  readonly policy: string;
  readonly image: string;
  readonly state: LineState;
  /** The tag on the base branch. */
  readonly base?: string;
  /** The newest tag the policy allows; unset while a PR is open (the PR says it). */
  readonly allowed?: string;
  /** The newest tag in the registry, when the policy does not allow it (above `allowed`). */
  readonly newer?: string;
  /** The PR the state is about: open, blocked, or closed unmerged. */
  readonly pull?: number;
  /** One sentence: why held, the failing error's code, what the PR waits for. */
  readonly detail: string;
  /** A promote policy's source: it follows that policy, not the registry (docs/promotion.md). */
  readonly follows?: string;
  /** When the line last changed (ISO 8601). */
  readonly since: string;
}

/** What one run learned about a policy it decided. */
export interface DecidedPolicy {
  readonly policy: Policy;
  readonly decision: PolicyDecision;
  /** The unit's report of this run, when its unit acted. */
  readonly unit?: UnitReport;
  readonly failure?: UnitFailure;
  /** The unit's open PR before this run, when it has one. */
  readonly openPull?: { readonly number: number; readonly autoMerge: boolean };
  /** The candidates the decision saw; `listed` when they include the registry's whole tag list. */
  readonly candidates: readonly TagCandidate[];
  readonly listed: boolean;
  /** Problems of the files the policy selects (a YAML syntax error, bytes that are not UTF-8). */
  readonly problems?: readonly FileProblem[];
}

type LineBody = Omit<DashboardLine, 'since'>;

/** The code a failing line shows: ours, stable and documented; never a message, which may carry vendor text. */
export function failureCode(error: unknown): string {
  return error instanceof ImageUpdaterError ? error.code : 'UNEXPECTED';
}

/** A decided policy's line; `previous` fills in what this run's candidates alone cannot know. */
function lineOf(d: DecidedPolicy, previous: DashboardLine | undefined, now: Date): DashboardLine {
  const body = lineBody(d, previous);
  if (previous && sameLine(previous, body)) return previous;
  return { ...body, since: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

function lineBody(d: DecidedPolicy, previous: DashboardLine | undefined): LineBody {
  const { policy, decision, unit, failure } = d;
  const landed = unit?.action === 'committed' || unit?.merge === 'merged';
  const base = landed ? decision.to?.tag : decision.from?.tag;
  const keep = d.listed ? undefined : previous;
  // What the policy allows: a tag pinned by hand outside its range is on the base, not allowed.
  const allowedBase = base !== undefined && allows(policy, base) ? base : undefined;
  const allowed = greatest(policy, [keep?.allowed, allowedBase, decision.selection?.best, decision.to?.tag]);
  // A promotion follows its source's files: what the registry holds is not on offer to it.
  const registry = decision.promotion ? undefined : newestInRegistry(policy, d.candidates);
  const newest = greatest(policy, [decision.promotion ? undefined : keep?.newer, allowed, registry]);
  const newer =
    newest !== undefined && allowed !== undefined && newest !== allowed && policy.strategy !== 'digest'
      ? newest
      : undefined;
  const common = {
    policy: policy.name,
    image: policy.image,
    ...defined({ base, allowed, newer, follows: decision.promotion?.from }),
  };
  if (failure) return { ...common, state: 'failing', detail: failureCode(failure.error) };
  // A PR's line names the PR, whose title says the tag: a newer push that moves the tag (or would,
  // once unblocked) leaves the line, and so the dashboard, as it is.
  const { allowed: _shownByThePr, ...withPull } = common;
  if (unit?.action === 'blocked')
    return {
      ...(unit.pull === undefined ? common : withPull),
      state: 'blocked',
      ...defined({ pull: unit.pull }),
      detail: 'someone else pushed to its branch; close the pull request or reset the branch to resume',
    };
  // A PR this run closed (its change is on the base branch) or merged is no open PR any more.
  const gone = landed || unit?.action === 'closed' || unit?.action === 'ignored';
  const pull = gone ? undefined : (unit?.pull ?? d.openPull?.number);
  if (pull !== undefined) {
    const armed =
      unit?.merge === 'auto-merge-enabled' || (unit?.merge === undefined && d.openPull?.autoMerge);
    return { ...withPull, state: 'pr-open', pull, detail: armed ? 'auto-merge armed' : 'waits for review' };
  }
  if (decision.ignored)
    return {
      ...common,
      state: 'ignored',
      pull: decision.ignored.pull,
      detail: `${decision.ignored.tag} and older were closed unmerged`,
    };
  // Said as any later run says it, so the next event for the same tag rewrites nothing.
  if (landed) return { ...common, state: 'up-to-date', detail: 'up to date' };
  const held = (detail: string): LineBody => ({ ...common, state: 'held', detail });
  if (decision.outcome === 'update') return held('no reference could take the update');
  // The signature gate's verdict (`core/verify/gate.ts`): held or refused, and which check failed.
  if (decision.signature?.ok === false) return held(decision.reason);
  if (d.problems?.length) return held(unreadable(d.problems));
  if (decision.outcome === 'no-references') return held(decision.reason);
  if (decision.promotion) return promotionLine(d, base, common);
  // minimumReleaseAge: the tag too young and until when (the due time is the push's, so a
  // duplicate push writes the same line).
  if (decision.outcome === 'held' && decision.held) return held(decision.held.reason);
  // Up to date, or nothing allowed on offer: said the same way whether a push or the whole tag
  // list was decided, so a reconcile and a duplicate push rewrite nothing.
  if (
    base !== undefined &&
    allowed !== undefined &&
    allowedBase === undefined &&
    above(policy, base, allowed)
  )
    return held(`${base} on the base branch is above the newest allowed tag and is never downgraded`);
  if (newer !== undefined) return held(`${newer} is ${notAllowed(policy, newer)}`);
  if (allowed === undefined) return held(decision.reason);
  return { ...common, state: 'up-to-date', detail: 'up to date' };
}

/** A promote policy's line: up to date while it runs what its source runs, else held and why. */
function promotionLine(
  d: DecidedPolicy,
  base: string | undefined,
  common: Omit<LineBody, 'state' | 'detail'>,
): LineBody {
  const { policy, decision } = d;
  const promotion = decision.promotion!;
  const target = promotion.target;
  const from = `"${promotion.from}"`;
  if (!target) return { ...common, state: 'held', detail: decision.reason };
  if (base === target.tag && (decision.from?.digest ?? target.digest) === target.digest)
    return { ...common, state: 'up-to-date', detail: 'up to date' };
  if (base !== undefined && above(policy, base, target.tag))
    return {
      ...common,
      state: 'held',
      detail: `follows ${from}: ${base} on the base branch is above what ${from} runs (${target.tag}) and is never downgraded`,
    };
  // promote.after: soaking until a fixed time, so every run until then writes the same line.
  if (decision.outcome === 'held' && decision.held)
    return { ...common, state: 'held', detail: decision.held.reason };
  return { ...common, state: 'held', detail: decision.reason };
}

/** The problems of the policy's files, in one sentence: the first one's place and what is wrong. */
function unreadable(problems: readonly FileProblem[]): string {
  const [first] = problems;
  const at =
    first!.line === undefined
      ? ''
      : `:${first!.line}${first!.column === undefined ? '' : `:${first!.column}`}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more files)` : '';
  return `${first!.file}${at} cannot be read: ${first!.message}${more}`;
}

/** Whether the policy allows this tag on its own (range, pre-release, filters). */
function allows(policy: Policy, tag: string): boolean {
  return selectTag(policy, [{ tag }], {}).best === tag;
}

function above(policy: Policy, a: string, b: string): boolean {
  return (compareTags(policy, a, b) ?? 0) > 0;
}

/** Why the policy turns a tag away that its strategy and filters would read: its range or pre-release setting. */
function notAllowed(policy: Policy, tag: string): string {
  const reason = selectTag(policy, [{ tag }], {}).rejected.find((r) => r.tag === tag)?.reason;
  if (reason === 'out-of-range') return `outside the range ${policy.range ?? '*'}`;
  if (reason === 'prerelease') return 'a pre-release (prerelease: false)';
  return 'not allowed by the policy';
}

/** The greatest of some tags in the policy's order; an unorderable pair keeps the later one. */
function greatest(policy: Policy, tags: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const tag of tags) {
    if (tag === undefined) continue;
    if (best === undefined) best = tag;
    else {
      const order = compareTags(policy, tag, best);
      if (order === undefined || order > 0) best = tag;
    }
  }
  return best;
}

/**
 * The newest tag the registry offered, by the policy's strategy, filters and patterns, but not
 * its `range` or `prerelease` setting: what a person would want to know is being left out.
 */
function newestInRegistry(policy: Policy, candidates: readonly TagCandidate[]): string | undefined {
  if (candidates.length === 0 || policy.strategy === 'digest') return undefined;
  const relaxed = policy.strategy === 'semver' ? { ...policy, range: '*', prerelease: true } : policy;
  return selectTag(relaxed, candidates, {}).best;
}

function sameLine(a: DashboardLine, b: LineBody): boolean {
  const keys: (keyof LineBody)[] = [
    'policy',
    'image',
    'state',
    'base',
    'allowed',
    'newer',
    'pull',
    'detail',
    'follows',
  ];
  return keys.every((k) => a[k] === b[k]);
}

/**
 * Every policy's line, in config order: this run's for the policies it decided, the previous
 * one for the others (a removed policy's line goes), and none for a policy no run decided yet.
 */
export function mergeLines(
  policies: readonly Policy[],
  decided: readonly DecidedPolicy[],
  previous: readonly DashboardLine[],
  now: Date,
): (DashboardLine | { readonly policy: string; readonly image: string; readonly pending: true })[] {
  const before = new Map(previous.map((l) => [l.policy, l]));
  const byName = new Map(decided.map((d) => [d.policy.name, d]));
  return policies.map((p) => {
    const d = byName.get(p.name);
    const prior = before.get(p.name);
    if (d) return lineOf(d, prior?.image === p.image ? prior : undefined, now);
    if (prior && prior.image === p.image) return prior;
    return { policy: p.name, image: p.image, pending: true as const };
  });
}

/** What a run's report says about each policy it decided, for its line. */
export function decidedPolicies(input: {
  readonly decisions: readonly PolicyDecision[];
  readonly units: readonly UnitReport[];
  readonly failures: readonly UnitFailure[];
  readonly pulls: ReadonlyMap<
    string,
    { readonly pull: { readonly number: number; readonly autoMerge: boolean } }
  >;
  readonly candidatesOf: (policy: Policy) => readonly TagCandidate[];
  readonly listed: (policy: Policy) => boolean;
  readonly problemsOf: (policy: Policy) => readonly FileProblem[];
}): DecidedPolicy[] {
  return input.decisions.map((decision) => {
    const key = unitKey(decision.policy);
    const reports = input.units.filter((u) => u.key === key);
    // A close answered in this run reports beside the unit's own action, which says more.
    const unit = reports.find((u) => u.action !== 'ignored') ?? reports[0];
    const failure = input.failures.find((f) => f.key === key);
    const open = input.pulls.get(key)?.pull;
    return {
      policy: decision.policy,
      decision,
      ...defined({ unit, failure }),
      ...(open ? { openPull: { number: open.number, autoMerge: open.autoMerge } } : {}),
      candidates: input.candidatesOf(decision.policy),
      listed: input.listed(decision.policy),
      problems: input.problemsOf(decision.policy),
    };
  });
}
