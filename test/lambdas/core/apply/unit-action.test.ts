/** The commit path a unit action takes, and the writes `costOf` sets aside for it. */
import { describe, expect, it } from 'vitest';
import { stateOf, type PrState } from '../../../../lambdas/core/apply/pr-state.ts';
import { chooseUnitAction, costOf, type AppendFacts } from '../../../../lambdas/core/apply/unit-action.ts';
import type { UnitPlan } from '../../../../lambdas/core/plan/units.ts';
import type { PullRequestInfo } from '../../../../lambdas/ports/git-host.ts';

const BASE = 'b'.repeat(40);
const HEAD = 'c'.repeat(40);

function unitOf(
  tag: string,
  files: readonly string[],
  update: 'pull-request' | 'commit' = 'pull-request',
): UnitPlan {
  return {
    key: 'api',
    branch: 'image-updater/api',
    update,
    labels: [],
    reviewers: [],
    automerge: false,
    mergeStrategy: 'auto',
    updates: [{ policy: { name: 'api' }, to: { tag }, updateType: 'patch' }],
    files: files.map((file) => ({ file, before: '', after: tag, changes: [] })),
  } as unknown as UnitPlan;
}

function pullWith(state: PrState): { pull: PullRequestInfo; state: PrState } {
  const pull = { number: 1, headSha: HEAD, labels: [], autoMerge: false } as unknown as PullRequestInfo;
  return { pull, state };
}

const ON_BASE: AppendFacts = { base: BASE, modeOf: () => '100644' };
const EXECUTABLE: AppendFacts = { base: BASE, modeOf: () => '100755' };
const earlier = (files: readonly string[], base = BASE) => stateOf(unitOf('1.0.1', files), base, HEAD);

describe('chooseUnitAction → costOf', () => {
  it.each([
    [
      'a plain update, same base and files',
      unitOf('1.0.2', ['a.yaml']),
      earlier(['a.yaml']),
      ON_BASE,
      'append',
      2,
    ],
    [
      'the base moved',
      unitOf('1.0.2', ['a.yaml']),
      earlier(['a.yaml'], 'd'.repeat(40)),
      ON_BASE,
      'rebuild',
      4,
    ],
    ['another file set', unitOf('1.0.2', ['a.yaml']), earlier(['a.yaml', 'b.yaml']), ON_BASE, 'rebuild', 4],
    ['an executable file', unitOf('1.0.2', ['a.yaml']), earlier(['a.yaml']), EXECUTABLE, 'rebuild', 4],
    ['a host without appends', unitOf('1.0.2', ['a.yaml']), earlier(['a.yaml']), undefined, 'rebuild', 4],
    [
      'a state written before file sets',
      unitOf('1.0.2', ['a.yaml']),
      { ...earlier(['a.yaml']), fileSet: undefined },
      ON_BASE,
      'rebuild',
      4,
    ],
  ])('update-pr, %s: %s', (_name, unit, state, append, path, cost) => {
    const action = chooseUnitAction({
      unit,
      existing: pullWith(state),
      leftover: undefined,
      opened: new Set(),
      ...(append ? { append } : {}),
    });
    expect(action).toMatchObject({ kind: 'update-pr', path });
    expect(costOf(action)).toBe(cost);
  });

  it.each([
    ['appends', ON_BASE, 'append', 1],
    ['rebuilds an executable file', EXECUTABLE, 'rebuild', 3],
    ['rebuilds without appends', undefined, 'rebuild', 3],
  ])('update: commit %s', (_name, append, path, cost) => {
    const action = chooseUnitAction({
      unit: unitOf('1.0.2', ['a.yaml'], 'commit'),
      existing: undefined,
      leftover: undefined,
      opened: new Set(),
      ...(append ? { append } : {}),
    });
    expect(action).toMatchObject({ kind: 'commit', path });
    expect(costOf(action)).toBe(cost);
  });

  it('opens a PR through the Git Data path whatever the host offers: tree, commit, ref and PR', () => {
    const action = chooseUnitAction({
      unit: unitOf('1.0.2', ['a.yaml']),
      existing: undefined,
      leftover: undefined,
      opened: new Set(),
      append: ON_BASE,
    });
    expect(action.kind).toBe('open-pr');
    expect(costOf(action)).toBe(4);
  });
});
