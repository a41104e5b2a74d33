/**
 * Writes per update: which commit path a unit takes and what it costs, counted from the GitHub
 * test server's request log, with the production adapter (real Octokit and plugins).
 */
import { generateKeyPairSync } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../../../lambdas/adapters/github/host.ts';
import { loadConfig } from '../../../../lambdas/config/load.ts';
import { applyToRepo } from '../../../../lambdas/core/apply/apply.ts';
import { readPrState } from '../../../../lambdas/core/apply/pr-state.ts';
import type { PushedImage } from '../../../../lambdas/core/push.ts';
import { deployment, ECR, OWNER, push, REPO } from '../../../support/github-env.ts';

const API = `${ECR}/shop/api`;
const BRANCH = 'image-updater/api';
const config = (extra = '') => `version: 1
policies:
  - name: api
    image: ${API}
    files: ["apps/api/**"]
${extra}`;

let server: GitHubTestServer | undefined;
afterEach(async () => {
  server?.assertNoViolations();
  await server?.close();
  server = undefined;
});

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** The repository on the test server, worked on as a GitHub App installation (as in production). */
async function start(files: Record<string, string> = {}) {
  const s = await createGitHubTestServer({ token: 'test-token' });
  server = s;
  s.createRepo(OWNER, REPO, {
    files: {
      '.image-updater.yaml': config(),
      'apps/api/deploy.yaml': deployment(`${API}:1.4.2`),
      'README.md': '# env\n',
      ...files,
    },
  });
  s.configureApp({ appId: 42, slug: 'image-updater', privateKeyPem: pem, installationId: 7 });
  const host = new GitHubHost({
    auth: { kind: 'app', appId: 42, privateKey: pem },
    baseUrl: s.url,
    writesPerMinute: 1000,
    writesPerHour: 10_000,
    retryAfterBaseMs: 1,
  });
  const memo = { checkedConfigs: new Set<string>() };
  /** Writes GitHub's content-creating limits count (not the installation token exchange). */
  const writesOf = async (pushes: PushedImage[]) => {
    const before = s.requests.length;
    const report = await applyToRepo(
      await host.repo({ owner: OWNER, name: REPO }),
      { pushes },
      {
        configPath: '.image-updater.yaml',
        loadConfig,
        memo,
        sleep: async () => {},
        backoffMs: 1,
      },
    );
    const writes = s.requests.slice(before).filter((r) => r.write && r.status < 300);
    return { report, writes: writes.map((r) => r.operationId) };
  };
  const rest = new Octokit({ baseUrl: s.url, auth: 'test-token' });
  const head = (branch = BRANCH) => s.branchHead(OWNER, REPO, branch) as string;
  return {
    s,
    writesOf,
    rest,
    head,
    read: (path: string, ref = BRANCH) => s.readFile(OWNER, REPO, ref, path),
  };
}

/** The commit bodies the server received, to see what the client sent. */
function recordCommitBodies(s: GitHubTestServer): unknown[] {
  const bodies: unknown[] = [];
  s.onRequest((request) => {
    if (request.operationId === 'git/create-commit' || request.operationId === 'graphql/createCommitOnBranch')
      bodies.push(request.body);
  });
  return bodies;
}

describe('a single-policy PR update', () => {
  it('costs two writes: one appended commit and the description', async () => {
    const e = await start();
    await e.writesOf([push(API, '1.4.3')]);
    const opened = e.head();
    const { report, writes } = await e.writesOf([push(API, '1.4.4')]);
    expect(report.units).toEqual([expect.objectContaining({ action: 'updated' })]);
    expect(writes.sort()).toEqual(['graphql/createCommitOnBranch', 'pulls/update']);
    expect(e.read('apps/api/deploy.yaml')).toBe(deployment(`${API}:1.4.4`));
    const commit = e.s.commit(OWNER, REPO, e.head())!;
    expect(commit.parents).toEqual([opened]);
    const [pr] = e.s.listPulls(OWNER, REPO);
    expect(readPrState(pr!.body ?? '')).toMatchObject({
      commit: e.head(),
      policies: { api: { tag: '1.4.4' } },
    });
  });

  it('rebuilds on a base that moved: a merge commit with both parents, four writes', async () => {
    const e = await start();
    await e.writesOf([push(API, '1.4.3')]);
    const opened = e.head();
    e.s.commitFiles(OWNER, REPO, 'main', { 'README.md': '# env, edited\n' }, { message: 'docs' });
    const { writes } = await e.writesOf([push(API, '1.4.4')]);
    expect(writes.sort()).toEqual(['git/create-commit', 'git/create-tree', 'git/update-ref', 'pulls/update']);
    expect(e.s.commit(OWNER, REPO, e.head())?.parents).toEqual([opened, e.head('main')]);
    expect(e.read('apps/api/deploy.yaml')).toBe(deployment(`${API}:1.4.4`));
  });

  it('rebuilds when a file is executable: the mutation would drop the bit', async () => {
    const e = await start();
    const base = e.head('main');
    const { data: tree } = await e.rest.git.createTree({
      owner: OWNER,
      repo: REPO,
      base_tree: e.s.commit(OWNER, REPO, base)!.tree,
      tree: [
        { path: 'apps/api/deploy.yaml', mode: '100755', type: 'blob', content: deployment(`${API}:1.4.2`) },
      ],
    });
    const { data: commit } = await e.rest.git.createCommit({
      owner: OWNER,
      repo: REPO,
      message: 'executable',
      tree: tree.sha,
      parents: [base],
    });
    await e.rest.git.updateRef({ owner: OWNER, repo: REPO, ref: 'heads/main', sha: commit.sha });
    await e.writesOf([push(API, '1.4.3')]);
    const { writes } = await e.writesOf([push(API, '1.4.4')]);
    expect(writes).toContain('git/create-tree');
    const { data: listed } = await e.rest.git.getTree({
      owner: OWNER,
      repo: REPO,
      tree_sha: BRANCH,
      recursive: '1',
    });
    expect(listed.tree.find((t) => t.path === 'apps/api/deploy.yaml')?.mode).toBe('100755');
  });

  it('loses the race to a head that moved between read and append, and lands on the retry', async () => {
    const e = await start();
    await e.writesOf([push(API, '1.4.3')]);
    e.s.addFault({
      match: { operationId: 'graphql/createCommitOnBranch' },
      times: 1,
      respond: { status: 422, nonFastForward: true },
    });
    const { report } = await e.writesOf([push(API, '1.4.4')]);
    expect(report.attempts).toBe(2);
    expect(report.units).toEqual([expect.objectContaining({ action: 'updated' })]);
    expect(e.read('apps/api/deploy.yaml')).toBe(deployment(`${API}:1.4.4`));
  });

  it('takes an append GitHub applied before answering 502 for done: no second commit', async () => {
    const e = await start();
    await e.writesOf([push(API, '1.4.3')]);
    const opened = e.head();
    const fault = e.s.addFault({
      match: { operationId: 'graphql/createCommitOnBranch' },
      times: 1,
      afterApply: true,
      respond: { status: 502 },
    });
    const { report } = await e.writesOf([push(API, '1.4.4')]);
    expect(fault.fired).toBe(1);
    expect(report.units).toEqual([expect.objectContaining({ action: 'updated' })]);
    expect(e.s.commit(OWNER, REPO, e.head())?.parents).toEqual([opened]);
    const [pr] = e.s.listPulls(OWNER, REPO);
    expect(readPrState(pr!.body ?? '')?.commit).toBe(e.head());
    expect(e.s.requests.filter((r) => r.operationId === 'graphql/createCommitOnBranch')).toHaveLength(1);
  });
});

describe('update: commit', () => {
  it('appends to the base branch in one write; a moved base is a lost race, retried', async () => {
    const e = await start({ '.image-updater.yaml': config('    update: commit\n') });
    const { writes } = await e.writesOf([push(API, '1.4.3')]);
    // The commit, then the dashboard (created: its line now names 1.4.3 on main).
    expect(writes).toEqual(['graphql/createCommitOnBranch', 'issues/create']);
    e.s.simulateConcurrentWriter(OWNER, REPO, 'main', { files: { 'README.md': '# concurrent\n' } });
    const { report } = await e.writesOf([push(API, '1.4.4')]);
    expect(report.attempts).toBe(2);
    expect(e.read('apps/api/deploy.yaml', 'main')).toBe(deployment(`${API}:1.4.4`));
    expect(e.read('README.md', 'main')).toBe('# concurrent\n');
  });
});

describe('commits made as a GitHub App', () => {
  it('name no author or committer on either path, so GitHub signs them', async () => {
    const e = await start();
    const bodies = recordCommitBodies(e.s);
    await e.writesOf([push(API, '1.4.3')]); // Git Data: tree, commit, ref
    const rebuilt = e.head();
    await e.writesOf([push(API, '1.4.4')]); // appended
    expect(bodies).toHaveLength(2);
    const [rest, graphql] = bodies as [
      Record<string, unknown>,
      { variables: { input: Record<string, unknown> } },
    ];
    expect(rest).not.toHaveProperty('author');
    expect(rest).not.toHaveProperty('committer');
    expect(Object.keys(graphql.variables.input).sort()).toEqual([
      'branch',
      'expectedHeadOid',
      'fileChanges',
      'message',
    ]);
    for (const sha of [rebuilt, e.head()]) {
      expect(e.s.commit(OWNER, REPO, sha)).toMatchObject({ author: 'image-updater[bot]', verified: true });
      const { data } = await e.rest.git.getCommit({ owner: OWNER, repo: REPO, commit_sha: sha });
      expect(data.verification).toMatchObject({ verified: true, reason: 'valid' });
    }
  });
});
