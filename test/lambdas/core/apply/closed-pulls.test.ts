/**
 * "Closed means no" against the GitHub test server with the production adapter: a PR a person
 * closed unmerged is not proposed again for its tag or an older one, is for a newer one, and
 * reopening it restores it. The updater's own closes, and a person closing what the base branch
 * already has, are not a "no".
 */
import { describe, expect, it } from 'vitest';
import { readPrState } from '../../../../lambdas/core/apply/pr-state.ts';
import {
  deployment,
  ECR,
  githubEnvPerTest,
  OWNER,
  push,
  REPO,
  setPullStateAsPerson,
  type GitHubEnv,
} from '../../../support/github-env.ts';

const API = `${ECR}/shop/api`;
const BRANCH = 'image-updater/api';
const CONFIG = `version: 1
policies:
  - name: api
    image: ${API}
    files: ["apps/api/**"]
`;
const FILES = { '.image-updater.yaml': CONFIG, 'apps/api/deploy.yaml': deployment(`${API}:1.0.0`) };

const githubEnvFor = githubEnvPerTest();

const pulls = (env: GitHubEnv, state: 'open' | 'closed') =>
  env.server.listPulls(OWNER, REPO, { state }).filter((p) => p.headRef === BRANCH);

/** The base branch's deployment set to `tag` by a person's commit. */
const baseAt = (env: GitHubEnv, tag: string) =>
  env.server.commitFiles(OWNER, REPO, 'main', { 'apps/api/deploy.yaml': deployment(`${API}:${tag}`) }, tag);

async function closedByPerson(env: GitHubEnv, tag: string) {
  await env.apply([push(API, tag)]);
  const [pull] = pulls(env, 'open');
  if (!pull) throw new Error(`no PR opened for ${tag}`);
  await setPullStateAsPerson(env, pull.number, 'closed');
  return pull.number;
}

describe('a PR closed unmerged by a person', () => {
  it('is not proposed again for its tag or an older one, and says so once', async () => {
    const env = await githubEnvFor(FILES);
    const number = await closedByPerson(env, '1.3.0');

    const first = await env.apply([push(API, '1.3.0')]);
    expect(first.units).toEqual([expect.objectContaining({ action: 'ignored', pull: number })]);
    const again = await env.apply([push(API, '1.2.0'), push(API, '1.3.0')]);
    expect(again.outcome).toBe('up-to-date');

    expect(pulls(env, 'open')).toEqual([]);
    const comments = env.server.listComments(OWNER, REPO, number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(
      /will not propose[\s\S]*`1\.3\.0` and older[\s\S]*reopen this pull request/,
    );
    expect(readPrState(env.server.getPull(OWNER, REPO, number)?.body ?? '')?.closed).toBe('ignored');
  });

  it('answers at the next event when GitHub refuses the comment, nothing lost', async () => {
    const env = await githubEnvFor(FILES);
    const number = await closedByPerson(env, '1.3.0');
    const refused = env.server.addFault({
      match: { operationId: 'issues/create-comment' },
      times: Infinity,
      respond: { status: 403 },
    });
    const failed = await env.apply([push(API, '1.3.0')]);
    expect(failed.failures.map((f) => f.key)).toEqual(['api']);
    refused.remove();

    const answered = await env.apply([push(API, '1.3.0')]);
    expect(answered.units).toEqual([expect.objectContaining({ action: 'ignored', pull: number })]);
    expect(env.server.listComments(OWNER, REPO, number)).toHaveLength(1);
  });

  it('holds the plan back with a reason a user reads', async () => {
    const env = await githubEnvFor(FILES);
    const number = await closedByPerson(env, '1.3.0');
    const report = await env.apply({
      pushes: [],
      reconcile: true,
      tagLists: new Map([[API, [{ tag: '1.3.0' }, { tag: '1.2.0' }]]]),
    });
    expect(report.decisions[0]?.reason).toBe(
      `held: 1.3.0 and older were closed unmerged in #${number} (reopen it to undo); a newer tag opens a new pull request`,
    );
  });

  it('does not hold a newer tag back: a new PR opens on the same branch, fast-forward', async () => {
    const env = await githubEnvFor(FILES);
    const number = await closedByPerson(env, '1.3.0');
    const oldHead = env.server.branchHead(OWNER, REPO, BRANCH) as string;

    await env.apply([push(API, '1.4.0')]);
    const [open] = pulls(env, 'open');
    expect(open?.number).not.toBe(number);
    expect(env.read('apps/api/deploy.yaml', BRANCH)).toContain(`${API}:1.4.0`);
    expect(env.server.commit(OWNER, REPO, open?.headSha ?? '')?.parents).toContain(oldHead);
  });

  it('opens a new PR from the base when the closed branch was deleted since', async () => {
    const env = await githubEnvFor(FILES);
    await closedByPerson(env, '1.3.0');
    env.server.deleteBranch(OWNER, REPO, BRANCH);

    const report = await env.apply([push(API, '1.4.0')]);
    // The close is answered, and the newer tag opened, in one run.
    expect(report.units.map((u) => u.action)).toEqual(['ignored', 'opened']);
    const [open] = pulls(env, 'open');
    const base = env.server.branchHead(OWNER, REPO, 'main');
    expect(env.server.commit(OWNER, REPO, open?.headSha ?? '')?.parents).toEqual([base]);
  });

  it('leaves the branch alone when someone pushed to it after the close', async () => {
    const env = await githubEnvFor(FILES);
    await closedByPerson(env, '1.3.0');
    env.server.commitFiles(OWNER, REPO, BRANCH, { 'notes.md': 'mine\n' }, 'a person');

    const report = await env.apply([push(API, '1.4.0')]);
    expect(report.units.at(-1)).toMatchObject({
      action: 'blocked',
      detail: expect.stringMatching(/did not write/),
    });
    expect(report.attempts).toBe(1);
    expect(pulls(env, 'open')).toEqual([]);
  });

  it('is restored by reopening it: the PR is updated as usual', async () => {
    const env = await githubEnvFor(FILES);
    const number = await closedByPerson(env, '1.3.0');
    await env.apply([push(API, '1.3.0')]);
    await setPullStateAsPerson(env, number, 'open');

    const report = await env.apply([push(API, '1.3.1')]);
    expect(report.units).toEqual([expect.objectContaining({ action: 'updated', pull: number })]);
    expect(env.read('apps/api/deploy.yaml', BRANCH)).toContain(`${API}:1.3.1`);
  });

  it('is not a "no" when the base branch already has its tag (merged by hand)', async () => {
    const env = await githubEnvFor(FILES);
    const number = await closedByPerson(env, '1.3.0');
    baseAt(env, '1.3.0');

    const report = await env.apply([push(API, '1.3.0')]);
    expect(report.units).toEqual([]);
    expect(env.server.listComments(OWNER, REPO, number)).toEqual([]);
    expect(readPrState(env.server.getPull(OWNER, REPO, number)?.body ?? '')?.closed).toBe('retired');
  });
});

describe('a group PR closed unmerged by a person', () => {
  const WEB = `${ECR}/shop/web`;
  const group = {
    '.image-updater.yaml': `version: 1
policies:
  - {name: api, image: ${API}, group: shop, files: ["apps/api/**"]}
  - {name: web, image: ${WEB}, group: shop, files: ["apps/web/**"]}
`,
    'apps/api/deploy.yaml': deployment(`${API}:1.0.0`),
    'apps/web/deploy.yaml': deployment(`${WEB}:2.0.0`, 'web'),
  };

  it("holds each member's proposal; a newer tag of one member opens a PR of that one", async () => {
    const env = await githubEnvFor(group);
    await env.apply([push(API, '1.3.0'), push(WEB, '2.1.0')]);
    const [closed] = env.server.listPulls(OWNER, REPO, { state: 'open' });
    await setPullStateAsPerson(env, closed!.number, 'closed');

    const held = await env.apply([push(API, '1.3.0'), push(WEB, '2.1.0')]);
    expect(held.units.map((u) => u.action)).toEqual(['ignored']);
    expect(env.server.listPulls(OWNER, REPO, { state: 'open' })).toEqual([]);

    const report = await env.apply([push(WEB, '2.2.0')]);
    expect(report.units).toEqual([
      expect.objectContaining({
        action: 'opened',
        updates: [expect.objectContaining({ policy: 'web', to: '2.2.0' })],
      }),
    ]);
  });
});

describe("the updater's own closes", () => {
  it('are not a "no": a superseded PR\'s tag is proposed again after the base moves back', async () => {
    const env = await githubEnvFor(FILES);
    await env.apply([push(API, '1.3.0')]);
    const [pull] = pulls(env, 'open');
    // The base gets the tag by hand: the updater closes its PR as already on the base.
    baseAt(env, '1.3.0');
    await env.apply({ pushes: [], reconcile: true, tagLists: new Map([[API, [{ tag: '1.3.0' }]]]) });
    expect(pulls(env, 'open')).toEqual([]);
    expect(readPrState(env.server.getPull(OWNER, REPO, pull?.number ?? 0)?.body ?? '')?.closed).toBe(
      'retired',
    );
    // Reverted: 1.3.0 is a fine proposal again.
    baseAt(env, '1.0.0');

    const report = await env.apply([push(API, '1.3.0')]);
    expect(report.units).toEqual([expect.objectContaining({ action: 'opened' })]);
  });
});

describe('what it costs per push (request log)', () => {
  /** Requests and the writes among them that one apply sends. */
  async function cost(env: GitHubEnv, run: () => Promise<unknown>) {
    env.server.resetLog();
    await run();
    const requests = env.server.requests;
    return {
      requests: requests.length,
      notModified: requests.filter((r) => r.status === 304).length,
      writes: requests.filter((r) => r.write && r.status < 300).map((r) => r.operationId),
    };
  }

  it('answers a close with two writes once; a held push writes nothing; a newer tag reuses the branch', async () => {
    const env = await githubEnvFor(FILES);
    await closedByPerson(env, '1.3.0');
    const answer = await cost(env, () => env.apply([push(API, '1.3.0')]));
    // The comment and the marker; the dashboard's line turns from the open PR to "closed".
    expect(answer.writes).toEqual(['issues/create-comment', 'pulls/update', 'issues/update']);
    const held = await cost(env, () => env.apply([push(API, '1.2.0')]));
    expect(held.writes).toEqual([]);
    // The first wave only: config, pull requests (open and closed, one page), branch, tree,
    // the updater's issues.
    expect(answer.requests).toBe(8);
    expect(held.requests).toBe(5);
    const steady = await cost(env, () => env.apply([push(API, '1.3.0')]));
    expect(steady).toEqual({ requests: 5, notModified: 5, writes: [] });
    const newer = await cost(env, () => env.apply([push(API, '1.4.0')]));
    expect(newer.writes).toEqual([
      'git/create-tree',
      'git/create-commit',
      'git/update-ref',
      'pulls/create',
      'issues/add-labels',
      'issues/update',
    ]);
  });
});
