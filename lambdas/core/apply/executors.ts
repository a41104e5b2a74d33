/**
 * One executor per unit action (`unit-action.ts`). Every ref update is fast-forward only; a
 * refused one, or a PR another worker opened first, is a lost race: the attempt is rebuilt.
 */
import type { CommitSnapshot, FileWrite, PullRequestInfo, RepoClient } from '../../ports/git-host.ts';
import { branchFor, type UnitPlan } from '../plan/units.ts';
import { closePull } from './close-pull.ts';
import { ConcurrentUpdateError } from './errors.ts';
import { isAlreadyExists, type GitHostErrorLike } from './host-errors.ts';
import { inlineCode, markdownText } from './markdown.ts';
import { runMergeStep, type MergeStep } from './merge.ts';
import { commitTrailers, isOurCommit, readCommitState, stateOf } from './pr-state.ts';
import { renderPrBody, type PrBodySection } from './pr-body.ts';
import { reportOf, type UnitReport } from './report.ts';
import type { CommitPath, UnitAction } from './unit-action.ts';
import { defined } from '../../objects.ts';

/** Where a unit's work goes: its repository, key and the base it is built on. */
export interface UnitContext {
  readonly client: RepoClient;
  readonly key: string;
  readonly base: CommitSnapshot;
  readonly baseBranch: string;
  readonly modeOf: (path: string) => string | undefined;
  /** Heads this run sent a PR for, whatever GitHub answered (`finish-opening`). */
  readonly opened: Set<string>;
  /**
   * Told a new PR's number as soon as GitHub answers, before its labels and merge step: the
   * dashboard's write then shares their round trip instead of adding one.
   */
  readonly opening?: (report: UnitReport) => void;
  /** Sections the description gets (provenance), being looked up while the commit is written. */
  readonly sections?: Promise<readonly PrBodySection[]>;
}

/** The unit's description, with the sections looked up for it. */
async function describe(ctx: UnitContext, unit: UnitPlan, state: Parameters<typeof renderPrBody>[1]) {
  return renderPrBody(unit, state, (await ctx.sections) ?? []);
}

type ActionOf<K extends UnitAction['kind']> = Extract<UnitAction, { kind: K }>;

export async function runUnitAction(ctx: UnitContext, action: UnitAction): Promise<UnitReport | undefined> {
  switch (action.kind) {
    case 'none':
      return undefined;
    case 'no-reference':
      return action.existing
        ? reportOf(action.unit, ctx.key, action.unit.branch, 'unchanged', {
            pull: action.existing.pull.number,
            detail: 'no reference could take the update',
          })
        : undefined;
    case 'blocked':
      return reportOf(action.unit, ctx.key, action.unit.branch, 'blocked', {
        pull: action.existing.pull.number,
        ...defined({ detail: action.detail }),
      });
    case 'close':
      return closeDone(ctx, action);
    case 'commit':
      return commitToBase(ctx, action);
    case 'foreign-head':
      return tellForeignHead(ctx, action);
    case 'refresh-description':
      return refreshDescription(ctx, action);
    case 'update-pr':
      return updatePr(ctx, action);
    case 'open-pr':
      return openPr(ctx, action);
    case 'finish-opening':
      return afterOpening(ctx, action.unit, action.existing.pull, action.merge);
  }
}

async function closeDone(ctx: UnitContext, { existing }: ActionOf<'close'>): Promise<UnitReport> {
  await closePull(
    ctx.client,
    existing.pull,
    existing.state,
    'Closing: the base branch already has these image versions (or newer ones).',
  );
  return reportOf(undefined, ctx.key, branchFor(ctx.key), 'closed', { pull: existing.pull.number });
}

async function commitToBase(
  ctx: UnitContext,
  { unit, supersedes, path }: ActionOf<'commit'>,
): Promise<UnitReport> {
  const head = ctx.base.commitSha;
  if ((await landCommit(ctx, unit, { branch: ctx.baseBranch, head, parents: [head], path })) === undefined) {
    throw new ConcurrentUpdateError(`${ctx.baseBranch} moved while committing ${ctx.key}`);
  }
  if (supersedes)
    await closePull(
      ctx.client,
      supersedes.pull,
      supersedes.state,
      `Superseded: ${ctx.key} now commits directly to ${ctx.baseBranch}.`,
    );
  return reportOf(unit, ctx.key, unit.branch, 'committed');
}

async function tellForeignHead(
  ctx: UnitContext,
  { unit, existing }: ActionOf<'foreign-head'>,
): Promise<UnitReport> {
  const { pull, state } = existing;
  const branch = unit.branch;
  // Our own heads were followed already (`readOpenPulls`); these are commits of ours without a
  // state trailer (an older version of the updater), or someone else's.
  const commits = await ctx.client.commitsBetween(state.commit, pull.headSha);
  if (commits.length > 0 && commits.every((c) => isOurCommit(c.message, ctx.key))) {
    throw new ConcurrentUpdateError(`another worker updated ${branch}`);
  }
  const proposes = unit.updates.map((u) => `- ${markdownText(u.policy.name)}: ${inlineCode(u.to.tag)}`);
  await ctx.client.comment(
    pull.number,
    `Someone else pushed to \`${branch}\`, so image-updater will not overwrite it. It would now propose:\n\n${proposes.join(
      '\n',
    )}\n\nClose this pull request (or reset the branch) to let image-updater take over again.`,
  );
  await ctx.client.updatePull(pull.number, {
    body: await describe(ctx, unit, { ...state, blockedAt: pull.headSha }),
  });
  return reportOf(unit, ctx.key, branch, 'blocked', {
    pull: pull.number,
    detail: 'foreign commits on the branch',
  });
}

async function refreshDescription(
  ctx: UnitContext,
  { unit, existing, describe: lagging, merge }: ActionOf<'refresh-description'>,
): Promise<UnitReport> {
  const [merged] = await Promise.all([
    runMergeStep(ctx.client, unit, existing.pull, merge),
    // The description lagged behind the branch: bring it level.
    lagging
      ? describe(ctx, unit, existing.state).then((body) =>
          ctx.client.updatePull(existing.pull.number, { title: unit.title, body }),
        )
      : undefined,
  ]);
  return reportOf(unit, ctx.key, unit.branch, 'unchanged', { pull: existing.pull.number, ...merged });
}

async function updatePr(
  ctx: UnitContext,
  { unit, existing, missingLabels, merge, path }: ActionOf<'update-pr'>,
): Promise<UnitReport> {
  const { base } = ctx;
  const head = existing.pull.headSha;
  // On top of our last commit (fast-forward only); merging the base in when it moved keeps the
  // PR's diff to the image changes alone.
  const parents = existing.state.base === base.commitSha ? [head] : [head, base.commitSha];
  const sha = await landCommit(ctx, unit, { branch: existing.pull.headRef, head, parents, path });
  if (sha === undefined) throw new ConcurrentUpdateError(`${unit.branch} moved while updating it`);
  const pull: PullRequestInfo = { ...existing.pull, headSha: sha };
  // Auto-merge needs only the PR, so it goes out with the description: one round trip.
  const [, , merged] = await Promise.all([
    describe(ctx, unit, stateOf(unit, base.commitSha, sha)).then((body) =>
      ctx.client.updatePull(pull.number, { title: unit.title, body }),
    ),
    ctx.client.addLabels(pull.number, missingLabels),
    runMergeStep(ctx.client, unit, pull, merge),
  ]);
  return reportOf(unit, ctx.key, unit.branch, 'updated', { pull: pull.number, ...merged });
}

async function openPr(ctx: UnitContext, { unit, leftover, merge }: ActionOf<'open-pr'>): Promise<UnitReport> {
  const { client, base, key } = ctx;
  const branch = unit.branch;
  // A branch of ours found earlier without an open PR is built upon, never overwritten: it
  // may be another worker's that is about to open the PR.
  const parents = !leftover
    ? [base.commitSha]
    : leftover.base === base.commitSha
      ? [leftover.commit]
      : [leftover.commit, base.commitSha];
  let sha = await writeCommit(ctx, unit, parents);
  const moved = leftover ? await client.moveBranch(branch, sha) : undefined;
  if (moved === 'missing') {
    // A closed PR's branch, deleted since: a fresh one from the base.
    sha = await writeCommit(ctx, unit, [base.commitSha]);
    if (!(await client.createBranch(branch, sha)))
      throw new ConcurrentUpdateError(`${branch} was created while opening its PR`);
  } else if (moved === 'not-fast-forward' || (!leftover && !(await client.createBranch(branch, sha)))) {
    const blocked = await takeOverBranch(ctx, branch, sha);
    if (blocked) return reportOf(unit, key, branch, 'blocked', { detail: blocked });
  }
  let pull: PullRequestInfo;
  const body = await describe(ctx, unit, stateOf(unit, base.commitSha, sha));
  ctx.opened.add(sha);
  try {
    pull = await client.createPull({
      head: branch,
      base: ctx.baseBranch,
      title: unit.title,
      body,
    });
  } catch (error) {
    if (isAlreadyExists(error as GitHostErrorLike))
      throw new ConcurrentUpdateError(`another worker opened the PR for ${branch}`, error);
    throw error;
  }
  ctx.opening?.(
    reportOf(unit, ctx.key, unit.branch, 'opened', {
      pull: pull.number,
      // What the merge step is about to do, for the dashboard's words.
      ...(unit.automerge && unit.mergeStrategy === 'auto' ? { merge: 'auto-merge-enabled' as const } : {}),
    }),
  );
  return afterOpening(ctx, unit, pull, merge);
}

/** Labels, reviewers and the merge step of a PR just opened. */
async function afterOpening(
  ctx: UnitContext,
  unit: UnitPlan,
  pull: PullRequestInfo,
  merge: MergeStep,
): Promise<UnitReport> {
  const { client } = ctx;
  const [, , merged] = await Promise.all([
    client.addLabels(
      pull.number,
      unit.labels.filter((l) => !pull.labels.includes(l)),
    ),
    client.requestReviewers(pull.number, unit.reviewers),
    runMergeStep(client, unit, pull, merge),
  ]);
  return reportOf(unit, ctx.key, unit.branch, 'opened', { pull: pull.number, ...merged });
}

/**
 * The unit's branch exists without an open PR: another worker's (its PR is on the way), ours
 * from an earlier run (the PR was closed), or someone else's. Ours without a state is taken
 * over; why it is left alone otherwise is returned.
 */
async function takeOverBranch(ctx: UnitContext, branch: string, sha: string): Promise<string | undefined> {
  const { client, key } = ctx;
  const commits = await client.commitsBetween(ctx.base.commitSha, branch);
  if (!commits.every((c) => isOurCommit(c.message, key)))
    return `branch ${branch} exists with commits image-updater did not write`;
  const head = commits.length > 0 ? await client.readCommit(branch) : undefined;
  const proposes = head && readCommitState(head.message, key, head.sha);
  if (proposes)
    throw new ConcurrentUpdateError(`${branch} exists without a pull request`, undefined, proposes);
  // Nothing on it, or only commits of an older version without a state: take it over.
  await client.moveBranch(branch, sha, { force: true });
  return undefined;
}

/**
 * The unit's commit on `branch`, whose head must still be `head`: appended in one request, or
 * rebuilt on `parents` and the ref moved. Its sha; undefined when the branch had moved on.
 */
async function landCommit(
  ctx: UnitContext,
  unit: UnitPlan,
  to: {
    readonly branch: string;
    readonly head: string;
    readonly parents: readonly string[];
    readonly path: CommitPath;
  },
): Promise<string | undefined> {
  const { client } = ctx;
  if (to.path === 'append' && client.appendCommit) {
    const files = unit.files.map((f) => ({ path: f.file, content: f.after }));
    const appended = await client.appendCommit({
      branch: to.branch,
      expectedHead: to.head,
      files,
      message: commitMessage(ctx, unit),
    });
    return appended === 'not-fast-forward' ? undefined : appended.sha;
  }
  const sha = await writeCommit(ctx, unit, to.parents);
  return (await client.moveBranch(to.branch, sha)) === 'moved' ? sha : undefined;
}

/** The unit's message with its state trailer: `readCommitState` reads it back from either path. */
function commitMessage(ctx: UnitContext, unit: UnitPlan): string {
  return `${unit.commitMessage}\n\n${commitTrailers(stateOf(unit, ctx.base.commitSha, ''))}`;
}

/** The unit's files on `parents`, as one commit carrying the unit's state trailer. */
function writeCommit(ctx: UnitContext, unit: UnitPlan, parents: readonly string[]): Promise<string> {
  // Keep an executable bit: the commit changes content only.
  const files: FileWrite[] = unit.files.map((f) => ({
    path: f.file,
    content: f.after,
    mode: ctx.modeOf(f.file) === '100755' ? '100755' : '100644',
  }));
  return ctx.client.createCommit({
    parents,
    baseTreeSha: ctx.base.treeSha,
    files,
    message: commitMessage(ctx, unit),
  });
}
