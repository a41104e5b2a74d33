/**
 * The organisation section's bars (SPEC §10): a push costs at most the watchers × one
 * repository's 12 requests plus 20 (a dashboard's write apart: at most one per watcher), no request reaches a repository that does not watch the
 * image, and a PR update costs at most 2 writes.
 */
import { describe, expect, it } from 'vitest';
import { checkResults } from '../../bench/checks.ts';
import type { OrganisationFigures, OrgPushFigures } from '../../bench/organisation.ts';
import type { BenchResults } from '../../bench/results.ts';

const push = (over: Partial<OrgPushFigures> = {}): OrgPushFigures => ({
  requests: 60,
  notModified: 30,
  writes: 20,
  dashboardWrites: 0,
  wallMs: 2_000,
  reposTouched: 10,
  requestsToNonWatchers: 0,
  pullRequestsOpen: 10,
  ...over,
});

function run(after: { cold?: Partial<OrgPushFigures>; warm?: Partial<OrgPushFigures> }): BenchResults {
  const organisation = {
    repositories: 1_000,
    watchers: 10,
    after: { cold: push(after.cold), warm: push(after.warm) },
  } as unknown as OrganisationFigures;
  return {
    startedAt: '2026-12-03T00:00:00Z',
    machine: { nproc: 2, cpu: 'test', node: '20', platform: 'linux x64', memoryGiB: 1 },
    organisation,
  };
}

const missed = (r: BenchResults) =>
  checkResults(r)
    .filter((c) => !c.ok)
    .map((c) => c.figure);

describe('organisation checks', () => {
  it('pass for pushes that cost only the watchers', () => {
    expect(checkResults(run({})).filter((c) => c.figure.startsWith('org'))).toHaveLength(7);
    expect(missed(run({}))).toEqual([]);
  });

  it.each([
    [
      'one request to a repository that does not watch the image',
      { requestsToNonWatchers: 1 },
      'cold: requests to repositories not watching',
    ],
    ['more than 10 × 12 + 20 requests', { requests: 141 }, 'cold: requests besides dashboard writes'],
    [
      'more than 10 × 12 + 20 requests besides one dashboard write per watcher',
      { requests: 150, dashboardWrites: 11 },
      'cold: dashboard writes',
    ],
  ])('miss %s', (_, cold, figure) => {
    expect(missed(run({ cold }))).toEqual([expect.stringContaining(figure)]);
  });

  it('miss more than 2 writes per PR update on the warm push', () => {
    expect(missed(run({ warm: { writes: 21 } }))).toEqual([
      expect.stringContaining('writes per single-policy PR update'),
    ]);
  });

  it('accept exactly the bar', () => {
    expect(missed(run({ cold: { requests: 140 }, warm: { writes: 20 } }))).toEqual([]);
  });
});
