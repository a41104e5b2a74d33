import fc from 'fast-check';
import { GraphqlResponseError } from '@octokit/graphql';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubTestServer, TestOctokitInstance } from '../src/index.ts';
import { createGitHubTestServer, createTestOctokit } from '../src/index.ts';

const owner = 'acme';
const repo = 'env';
const servers: GitHubTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const MUTATION = `mutation($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) { commit { oid } }
}`;

async function setup(): Promise<{ server: GitHubTestServer; octokit: TestOctokitInstance }> {
  const server = await createGitHubTestServer();
  servers.push(server);
  server.createRepo(owner, repo, {
    files: { 'apps/api/values.yaml': 'image: api:1.0.0\n', 'README.md': '# env\n' },
  });
  return { server, octokit: createTestOctokit(server) };
}

function commitOnBranch(
  octokit: TestOctokitInstance,
  branch: string,
  expectedHeadOid: string,
  additions: Record<string, string>,
) {
  return octokit.graphql<{ createCommitOnBranch: { commit: { oid: string } } }>(MUTATION, {
    input: {
      branch: { repositoryNameWithOwner: `${owner}/${repo}`, branchName: branch },
      expectedHeadOid,
      message: { headline: 'update api', body: 'Image-Updater-Unit: api' },
      fileChanges: {
        additions: Object.entries(additions).map(([path, text]) => ({
          path,
          contents: Buffer.from(text).toString('base64'),
        })),
      },
    },
  });
}

async function graphqlError(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GraphqlResponseError) return error.errors?.[0];
    throw error;
  }
  throw new Error('expected a GraphQL error');
}

describe('createCommitOnBranch', () => {
  it('puts one commit on the head, as GitHub: author the actor, committer GitHub, message headline and body', async () => {
    const { server, octokit } = await setup();
    const head = server.branchHead(owner, repo, 'main') as string;
    const result = await commitOnBranch(octokit, 'main', head, {
      'apps/api/values.yaml': 'image: api:1.1.0\n',
    });
    const sha = result.createCommitOnBranch.commit.oid;
    expect(server.branchHead(owner, repo, 'main')).toBe(sha);
    expect(server.readFile(owner, repo, 'main', 'apps/api/values.yaml')).toBe('image: api:1.1.0\n');
    expect(server.readFile(owner, repo, 'main', 'README.md')).toBe('# env\n');
    expect(server.commit(owner, repo, sha)).toMatchObject({
      parents: [head],
      message: 'update api\n\nImage-Updater-Unit: api',
      committer: 'GitHub',
    });
    expect(server.requests.at(-1)).toMatchObject({
      operationId: 'graphql/createCommitOnBranch',
      write: true,
    });
  });

  it("answers a stale expectedHeadOid with GitHub's STALE_DATA error and changes nothing", async () => {
    const { server, octokit } = await setup();
    const head = server.branchHead(owner, repo, 'main') as string;
    server.commitFiles(owner, repo, 'main', { 'README.md': '# moved\n' });
    const moved = server.branchHead(owner, repo, 'main');
    const error = await graphqlError(commitOnBranch(octokit, 'main', head, { 'README.md': 'x\n' }));
    expect(error).toMatchObject({
      type: 'STALE_DATA',
      message: `Expected branch to point to "${head}" but it did not.  Pull and try again.`,
    });
    expect(server.branchHead(owner, repo, 'main')).toBe(moved);
  });

  it('refuses a branch that does not exist', async () => {
    const { server, octokit } = await setup();
    const head = server.branchHead(owner, repo, 'main') as string;
    const error = await graphqlError(commitOnBranch(octokit, 'nope', head, { 'README.md': 'x\n' }));
    expect(error).toMatchObject({ type: 'NOT_FOUND' });
    expect(server.branches(owner, repo)).toEqual(['main']);
  });

  it('writes an addition as 100644, an executable bit included', async () => {
    const { server, octokit } = await setup();
    const base = server.branchHead(owner, repo, 'main') as string;
    const { data: tree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: server.commit(owner, repo, base)!.tree,
      tree: [{ path: 'run.sh', mode: '100755', type: 'blob', content: 'echo 1\n' }],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'script',
      tree: tree.sha,
      parents: [base],
    });
    await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha: commit.sha });
    await commitOnBranch(octokit, 'main', commit.sha, { 'run.sh': 'echo 2\n' });
    const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: 'main', recursive: '1' });
    expect(data.tree.find((t) => t.path === 'run.sh')?.mode).toBe('100644');
  });

  it('makes the tree the Git Data API makes from the same head and files', async () => {
    const { server, octokit } = await setup();
    const path = fc.constantFrom('apps/api/values.yaml', 'README.md', 'apps/web/new.yaml', 'deep/a/b/c.txt');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(path, fc.string({ maxLength: 40 }), { minKeys: 1 }), async (files) => {
        const head = server.branchHead(owner, repo, 'main') as string;
        const { data: tree } = await octokit.rest.git.createTree({
          owner,
          repo,
          base_tree: server.commit(owner, repo, head)!.tree,
          tree: Object.entries(files).map(([p, content]) => ({
            path: p,
            mode: '100644',
            type: 'blob',
            content,
          })),
        });
        const appended = await commitOnBranch(octokit, 'main', head, files);
        expect(server.commit(owner, repo, appended.createCommitOnBranch.commit.oid)?.tree).toBe(tree.sha);
      }),
      { numRuns: 25 },
    );
  });
});
