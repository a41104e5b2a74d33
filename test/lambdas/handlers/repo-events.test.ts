/**
 * GitHub's `pull_request` events about the updater's PRs, with the production adapter against the
 * GitHub test server: a person's close is answered at once, not at the next push.
 */
import { describe, expect, it } from 'vitest';
import { TagListCache } from '../../../lambdas/adapters/registry/tag-lists.ts';
import { Octokit } from '@octokit/rest';
import type { IssueEvent, PullRequestEvent } from '../../../lambdas/core/repo-events.ts';
import { RepoDirectory } from '../../../lambdas/handlers/repo-directory.ts';
import { handleRepoEvent } from '../../../lambdas/handlers/repo-events.ts';
import {
  deployment,
  ECR,
  githubEnvPerTest,
  OWNER,
  push,
  REPO,
  setPullStateAsPerson,
  type GitHubEnv,
} from '../../support/github-env.ts';
import { recordingLog, recordingMetrics } from '../../support/handlers.ts';

const API = `${ECR}/shop/api`;
const FILES = {
  '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${API}\n`,
  'apps/api/deploy.yaml': deployment(`${API}:1.0.0`),
};
const githubEnvFor = githubEnvPerTest();

function context(env: GitHubEnv, tags: readonly string[] = []) {
  const repos = [{ repo: `${OWNER}/${REPO}` }];
  return {
    deps: {
      repos,
      log: recordingLog(),
      metrics: recordingMetrics(),
      host: async () => env.host,
      apply: { backoffMs: 1 },
    },
    directory: new RepoDirectory({ repos, log: recordingLog() }),
    memo: { checkedConfigs: new Set<string>() },
    host: env.host,
    // The registry, as the reconcile lists it.
    tagLists: new TagListCache({
      supports: () => true,
      listTags: async () => tags.map((tag) => ({ tag })),
    }),
  };
}

/** The updater's PR for `tag`, closed through the REST API by `alice`; the event GitHub sends. */
async function closedPull(env: GitHubEnv, tag: string): Promise<PullRequestEvent> {
  await env.apply([push(API, tag)]);
  const pull = env.server.listPulls(OWNER, REPO, { state: 'open' })[0]!;
  await setPullStateAsPerson(env, pull.number, 'closed');
  return {
    type: 'pull-request',
    repo: `${OWNER}/${REPO}`,
    number: pull.number,
    action: 'closed',
    merged: false,
    headRef: pull.headRef,
    headSha: pull.headSha,
    baseRef: pull.baseRef,
    sender: 'alice',
    senderIsBot: false,
  };
}

describe('a pull_request event', () => {
  it('answers a person closing an updater PR at once', async () => {
    const env = await githubEnvFor(FILES);
    const event = await closedPull(env, '1.3.0');

    env.server.resetLog();
    const outcome = await handleRepoEvent(context(env), event);
    expect(outcome.detail).toBe('pull request closed: applied');
    expect(env.server.requests.filter((r) => r.write).map((r) => r.operationId)).toEqual([
      'issues/create-comment',
      'pulls/update',
      // The dashboard's line: from the open PR to "closed, not proposed again".
      'issues/update',
    ]);
    const comments = env.server.listComments(OWNER, REPO, event.number);
    expect(comments.map((c) => c.body)).toEqual([expect.stringContaining('will not propose')]);
  });

  it.each([
    ['closed by a bot', { senderIsBot: true, sender: 'image-updater[bot]' }, 'pull request closed by a bot'],
    ['of another branch', { headRef: 'feature/x' }, 'not an image-updater pull request'],
  ])('does nothing for a PR %s', async (_, change, detail) => {
    const env = await githubEnvFor(FILES);
    const event = await closedPull(env, '1.3.0');
    env.server.resetLog();

    const outcome = await handleRepoEvent(context(env), { ...event, ...change });
    expect(outcome).toEqual({ runs: [], indexed: [], detail });
    expect(env.server.requests).toEqual([]);
  });
});

/** The repository's dashboard issue, as GitHub holds it. */
function dashboard(env: GitHubEnv) {
  const issue = env.server
    .listIssues(OWNER, REPO, { state: 'all' })
    .find((i) => i.title === 'image-updater dashboard');
  return issue!;
}

/** `alice` edits the dashboard's body (ticking a box in GitHub's UI does that); the event GitHub sends. */
async function editAsPerson(
  env: GitHubEnv,
  number: number,
  edit: (body: string) => string,
): Promise<IssueEvent> {
  env.server.addToken('alice-token', 'alice');
  const alice = new Octokit({ baseUrl: env.server.url, auth: 'alice-token' });
  const { data } = await alice.rest.issues.get({ owner: OWNER, repo: REPO, issue_number: number });
  await alice.rest.issues.update({
    owner: OWNER,
    repo: REPO,
    issue_number: number,
    body: edit(data.body ?? ''),
  });
  return {
    type: 'issue',
    repo: `${OWNER}/${REPO}`,
    number,
    action: 'edited',
    sender: 'alice',
    senderIsBot: false,
  };
}

describe('the dashboard', () => {
  it('says why: a PR open, then closed unmerged and ignored; a ticked box lifts the "no" and the tag is proposed again', async () => {
    const env = await githubEnvFor(FILES);
    const closed = await closedPull(env, '1.3.0');
    expect(dashboard(env).body).toMatch(
      /\| api \|.*\| `1\.0\.0` \| in #1 \| in #1 \| #1 open: waits for review \|/,
    );
    await handleRepoEvent(context(env, ['1.0.0', '1.3.0']), closed);
    const held = dashboard(env).body!;
    expect(held).toMatch(/\*\*closed\*\* in #1: 1\.3\.0 and older were closed unmerged; not proposed again/);
    expect(held).toContain('- [ ] <!-- unignore:api --> Propose **api** again');

    const tick = await editAsPerson(env, dashboard(env).number, (b) =>
      b.replace('- [ ] <!-- unignore:api -->', '- [x] <!-- unignore:api -->'),
    );
    const outcome = await handleRepoEvent(context(env, ['1.0.0', '1.3.0']), tick);
    expect(outcome.detail).toBe(`issue #${tick.number} edited: applied`);
    const [reopened] = env.server.listPulls(OWNER, REPO, { state: 'open' });
    expect(reopened?.title).toContain('1.3.0');
    const after = dashboard(env).body!;
    expect(after).toMatch(new RegExp(`#${reopened!.number} open: waits for review`));
    expect(after).not.toContain('[x]');
    // The closed PR no longer says no: a later reconcile keeps the new PR.
    const again = await handleRepoEvent(context(env, ['1.0.0', '1.3.0']), tick);
    expect(env.server.listPulls(OWNER, REPO, { state: 'open' })).toHaveLength(1);
    expect(again.runs[0]?.result).toMatchObject({ ok: true, report: { dashboard: 'unchanged' } });
  });

  it('a merged PR: its line says up to date at the merged tag, at once', async () => {
    const env = await githubEnvFor(FILES);
    await env.apply([push(API, '1.3.0')]);
    const pull = env.server.listPulls(OWNER, REPO, { state: 'open' })[0]!;
    env.server.addToken('alice-token', 'alice');
    const alice = new Octokit({ baseUrl: env.server.url, auth: 'alice-token' });
    await alice.rest.pulls.merge({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
      merge_method: 'squash',
    });
    const merged: PullRequestEvent = { ...(await closedPullEvent(pull)), merged: true };
    const outcome = await handleRepoEvent(context(env, ['1.0.0', '1.3.0']), merged);
    expect(outcome.detail).toBe('pull request merged: applied');
    expect(dashboard(env).body).toMatch(/\| api \|.*\| `1\.3\.0` \| `1\.3\.0` \| `1\.3\.0` \| up to date \|/);
  });

  it.each([
    ['an edit by a bot', { senderIsBot: true }],
    ['an issue opened', { action: 'opened' }],
  ])('ignores %s of an updater issue', async (_, change) => {
    const env = await githubEnvFor(FILES);
    await env.apply([push(API, '1.3.0')]);
    env.server.resetLog();
    const event: IssueEvent = {
      type: 'issue',
      repo: `${OWNER}/${REPO}`,
      number: 2,
      action: 'edited',
      sender: 'x',
      senderIsBot: false,
      ...change,
    };
    expect((await handleRepoEvent(context(env), event)).runs).toEqual([]);
    expect(env.server.requests).toEqual([]);
  });

  it('a retry box decides its policy from the registry at the next event, and writes nothing when nothing changed', async () => {
    const env = await githubEnvFor({
      ...FILES,
      '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${API}\n    range: "<2"\n`,
    });
    await env.apply([push(API, '2.0.0')]);
    const body = dashboard(env).body!;
    expect(body).toMatch(/\| api \|.*\| `1\.0\.0` \| `1\.0\.0` \| `2\.0\.0` \| \*\*held\*\*: /);
    expect(body).toContain('<!-- retry:api -->');
    env.server.resetLog();
    await env.apply([push(API, '2.0.0')]);
    expect(env.server.requests.filter((r) => r.write)).toEqual([]);
    const tick = await editAsPerson(env, dashboard(env).number, (b) =>
      b.replace('- [ ] <!-- retry:api -->', '- [x] <!-- retry:api -->'),
    );
    await handleRepoEvent(context(env, ['1.0.0', '1.5.0', '2.0.0']), tick);
    const [pull] = env.server.listPulls(OWNER, REPO, { state: 'open' });
    expect(pull?.title).toContain('1.5.0');
    expect(dashboard(env).body).not.toContain('[x]');
  });
});

async function closedPullEvent(pull: {
  number: number;
  headRef: string;
  headSha: string;
}): Promise<PullRequestEvent> {
  return {
    type: 'pull-request',
    repo: `${OWNER}/${REPO}`,
    number: pull.number,
    action: 'closed',
    merged: false,
    headRef: pull.headRef,
    headSha: pull.headSha,
    baseRef: 'main',
    sender: 'alice',
    senderIsBot: false,
  };
}
