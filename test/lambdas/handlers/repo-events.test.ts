/**
 * GitHub's `pull_request` events about the updater's PRs, with the production adapter against the
 * GitHub test server: a person's close is answered at once, not at the next push.
 */
import { describe, expect, it } from 'vitest';
import { TagListCache } from '../../../lambdas/adapters/registry/tag-lists.ts';
import type { PullRequestEvent } from '../../../lambdas/core/repo-events.ts';
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

function context(env: GitHubEnv) {
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
    tagLists: new TagListCache(undefined),
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
    ]);
    const comments = env.server.listComments(OWNER, REPO, event.number);
    expect(comments.map((c) => c.body)).toEqual([expect.stringContaining('will not propose')]);
  });

  it.each([
    ['merged', { merged: true }, 'pull request merged'],
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
