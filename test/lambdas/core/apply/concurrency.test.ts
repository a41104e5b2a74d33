/**
 * Concurrent writers and interrupted workers: whatever order the requests of two workers (or a
 * worker that stopped half-way) land in, no acknowledged update is lost, no PR is duplicated,
 * and the PR description ends up describing its branch.
 */
import { describe, expect, it } from 'vitest';
import { readPrState } from '../../../../lambdas/core/apply/pr-state.ts';
import type { FaultRequest } from '@image-updater/github-test-server/faults';
import {
  BRANCH_MOVES,
  deployment,
  ECR,
  GENEROUS_WRITE_BUDGET,
  githubEnvPerTest,
  OWNER,
  push,
  REPO,
  type GitHubEnv,
} from '../../../support/github-env.ts';

const image = (i: number) => `${ECR}/shop/svc${i}`;
const BRANCH = 'image-updater/shop';

const openEnv = githubEnvPerTest();

async function start() {
  const files: Record<string, string> = {};
  const policies: string[] = [];
  for (let i = 0; i < 3; i++) {
    files[`apps/svc${i}/deploy.yaml`] = deployment(`${image(i)}:1.0.0`, `svc${i}`);
    policies.push(`  - {name: svc${i}, image: ${image(i)}, group: shop, files: ["apps/svc${i}/**"]}`);
  }
  const env = await openEnv(
    { ...files, '.image-updater.yaml': `version: 1\npolicies:\n${policies.join('\n')}\n` },
    // The write budget on, as in production: a rebuilt attempt must fit it too.
    { host: GENEROUS_WRITE_BUDGET },
  );
  return env;
}

const tagOn = (e: GitHubEnv, i: number, ref = BRANCH) =>
  /:(\S+) #/.exec(e.read(`apps/svc${i}/deploy.yaml`, ref) ?? '')?.[1];

/** A write of the branch ref itself: creating it or moving it. */
function movesBranch(request: FaultRequest): boolean {
  if (request.operationId === 'git/create-ref')
    return (request.body as { ref?: string } | undefined)?.ref === `refs/heads/${BRANCH}`;
  return (
    request.operationId === 'git/update-ref' && decodeURIComponent(request.path).endsWith(`heads/${BRANCH}`)
  );
}

/**
 * Makes two workers race for the branch: the first ref write is held until the second one
 * arrives, so both were built on the same state and one of them must be refused.
 */
function raceForBranch(e: GitHubEnv): void {
  let release!: () => void;
  const second = new Promise<void>((resolve) => (release = resolve));
  let arrived = 0;
  const off = e.server.onRequest(async (request) => {
    if (!movesBranch(request)) return;
    arrived += 1;
    if (arrived === 1) return second;
    release();
    off();
  });
}

/** Every head the branch had, sampled before each request GitHub handled. */
function recordHeads(e: GitHubEnv): Set<string> {
  const heads = new Set<string>();
  e.server.onRequest(() => {
    const head = e.server.branchHead(OWNER, REPO, BRANCH);
    if (head) heads.add(head);
  });
  return heads;
}

function history(e: GitHubEnv, head: string): Set<string> {
  const seen = new Set<string>();
  for (const todo = [head]; todo.length > 0;) {
    const sha = todo.pop()!;
    if (seen.has(sha)) continue;
    seen.add(sha);
    todo.push(...(e.server.commit(OWNER, REPO, sha)?.parents ?? []));
  }
  return seen;
}

/** The race happened: a write of the branch ref was refused (it existed, or moved meanwhile). */
function refusedRefWrites(e: GitHubEnv): number {
  return e.server.requests.filter(
    (r) => (r.operationId === 'git/create-ref' || r.operationId === 'git/update-ref') && r.status === 422,
  ).length;
}

function onlyPull(e: GitHubEnv) {
  const pulls = e.server.listPulls(OWNER, REPO, { state: 'all' });
  expect(pulls).toHaveLength(1);
  const [pull] = pulls;
  return { pull: pull!, state: readPrState(pull!.body ?? '') };
}

describe('a worker stopped between moving the branch and describing the PR', () => {
  it('loses nothing: later events take the branch head as the floor and bring the description level', async () => {
    const e = await start();
    await e.apply([push(image(0), '1.1.0')]);
    e.server.addFault({ match: { operationId: 'pulls/update' }, times: 4, respond: { status: 502 } });
    // The unit fails (retryable), reported as such; the caller returns its events to the queue.
    expect((await e.apply([push(image(0), '1.2.0')])).failures).toEqual([
      expect.objectContaining({ branch: BRANCH, error: expect.objectContaining({ retryable: true }) }),
    ]);
    expect(tagOn(e, 0)).toBe('1.2.0');
    expect(onlyPull(e).state?.policies.svc0?.tag).toBe('1.1.0');

    // An older event than the branch holds (but newer than the stale description): the branch
    // stays, and the only write brings the description level.
    e.server.resetLog();
    await e.apply([push(image(0), '1.1.5')]);
    expect(tagOn(e, 0)).toBe('1.2.0');
    // The description brought level, and the dashboard's line from failing back to the open PR.
    expect(e.server.writeCount()).toBe(2);
    expect(e.server.writeCount({ operationId: 'pulls/update' })).toBe(1);
    expect(e.server.writeCount({ operationId: 'issues/update' })).toBe(1);
    expect(onlyPull(e).state?.policies.svc0?.tag).toBe('1.2.0');

    // Another image of the group: both updates on the branch, the description describes the head.
    await e.apply([push(image(1), '1.0.1')]);
    expect([tagOn(e, 0), tagOn(e, 1)]).toEqual(['1.2.0', '1.0.1']);
    const { pull, state } = onlyPull(e);
    expect(state).toMatchObject({
      commit: pull.headSha,
      policies: { svc0: { tag: '1.2.0' }, svc1: { tag: '1.0.1' } },
    });
    expect(pull.title).toBe('chore(images): update shop to svc0 1.2.0, svc1 1.0.1');
  });

  it('repairs a description that lags behind an unchanged branch on the next event of that unit', async () => {
    const e = await start();
    await e.apply([push(image(0), '1.1.0')]);
    e.server.addFault({ match: { operationId: 'pulls/update' }, times: 4, respond: { status: 502 } });
    expect((await e.apply([push(image(0), '1.2.0')])).failures).toHaveLength(1);
    await e.apply([push(image(0), '1.2.0')]);
    const { pull, state } = onlyPull(e);
    expect(state).toMatchObject({ commit: pull.headSha, policies: { svc0: { tag: '1.2.0' } } });
    expect(pull.title).toBe('chore(images): update svc0 to 1.2.0');
  });
});

describe('two workers at once on one group', () => {
  it('opening the PR: one PR, both updates, no commit dropped from the branch', async () => {
    const e = await start();
    raceForBranch(e);
    const heads = recordHeads(e);
    await Promise.all([e.apply([push(image(0), '1.1.0')]), e.apply([push(image(1), '1.1.0')])]);
    expect(refusedRefWrites(e)).toBeGreaterThan(0);
    const { pull, state } = onlyPull(e);
    expect([tagOn(e, 0), tagOn(e, 1), tagOn(e, 2)]).toEqual(['1.1.0', '1.1.0', '1.0.0']);
    expect(state).toMatchObject({
      commit: pull.headSha,
      policies: { svc0: { tag: '1.1.0' }, svc1: { tag: '1.1.0' } },
    });
    // Fast-forward only: every head the branch ever had is in the final head's history.
    expect(heads.size).toBeGreaterThan(1);
    expect([...heads].filter((h) => !history(e, pull.headSha).has(h))).toEqual([]);
  });

  it('updating the PR: both updates land, no commit dropped from the branch', async () => {
    const e = await start();
    await e.apply([push(image(0), '1.1.0')]);
    raceForBranch(e);
    const heads = recordHeads(e);
    await Promise.all([e.apply([push(image(1), '1.2.0')]), e.apply([push(image(2), '1.3.0')])]);
    expect(e.server.requests.some((r) => r.operationId === 'git/update-ref' && r.status === 422)).toBe(true);
    const { pull, state } = onlyPull(e);
    expect([tagOn(e, 0), tagOn(e, 1), tagOn(e, 2)]).toEqual(['1.1.0', '1.2.0', '1.3.0']);
    expect(Object.keys(state?.policies ?? {}).sort()).toEqual(['svc0', 'svc1', 'svc2']);
    expect(state?.commit).toBe(pull.headSha);
    expect(heads.size).toBeGreaterThan(1);
    expect([...heads].filter((h) => !history(e, pull.headSha).has(h))).toEqual([]);
  });
});

describe('an updater branch without an open PR', () => {
  it('is built upon, not force-pushed, and the new PR proposes at least what the branch held', async () => {
    const e = await start();
    // A worker that pushed the branch and stopped before its PR was opened (a PR closed by a
    // person is another matter: "closed means no", closed-pulls.test.ts).
    const refused = e.server.addFault({
      match: { operationId: 'pulls/create' },
      times: Infinity,
      respond: { status: 403 },
    });
    expect((await e.apply([push(image(0), '1.1.0')])).failures).toHaveLength(1);
    refused.remove();
    const left = e.server.branchHead(OWNER, REPO, BRANCH)!;
    expect(e.server.listPulls(OWNER, REPO, { state: 'all' })).toEqual([]);

    await e.apply([push(image(1), '1.0.1')]);
    const open = e.server.listPulls(OWNER, REPO, { state: 'open' });
    expect(open).toHaveLength(1);
    expect(e.server.commit(OWNER, REPO, open[0]!.headSha)?.parents).toContain(left);
    expect([tagOn(e, 0), tagOn(e, 1)]).toEqual(['1.1.0', '1.0.1']);
  });
});

describe('an attempt that fails while the config-issue check is still running', () => {
  it('does not leave a rejection unhandled (which would crash the function instance)', async () => {
    const e = await start();
    await e.apply([push(image(0), '1.1.0')]);
    // A config issue left open: a valid config closes it, with a comment that GitHub refuses.
    e.server.createIssue(OWNER, REPO, {
      title: 'image-updater: .image-updater.yaml is invalid',
      labels: ['image-updater'],
    });
    e.memo.checkedConfigs.clear();
    const lookups = e.server.addFault({
      match: { operationId: 'issues/create-comment' },
      times: Infinity,
      respond: { status: 502 },
    });
    e.server.addFault({
      match: { operationId: BRANCH_MOVES },
      times: 1,
      respond: { status: 422, nonFastForward: true },
    });
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      await expect(e.apply([push(image(0), '1.2.0')])).rejects.toMatchObject({ retryable: true });
      // The lost attempt's own check may still be under way: wait until GitHub has answered
      // every request, then for the client to take the last answers in.
      while (e.server.requests.some((r) => Number.isNaN(r.endedAt)))
        await new Promise((resolve) => setImmediate(resolve));
      for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
      // Both attempts' checks were refused.
      expect(lookups.fired).toBeGreaterThanOrEqual(2);
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(unhandled).toEqual([]);
  });
});
