/**
 * `RepoClient.appendCommit` over GraphQL `createCommitOnBranch`: the commit and the branch's
 * fast-forward in one content-creating request (the Git Data path takes three: tree, commit,
 * ref). Through the same Octokit, so the write budget admits it like any other write.
 *
 * GitHub has no idempotency key for it. Resent after an answer that was lost (a 502 once the
 * commit had landed), it would be refused as stale at best, so it goes out once (`createOnce`);
 * after such an answer the branch head says what happened: still `expectedHead` (not applied:
 * sent again), a commit with our message on top of `expectedHead` (applied: that is the
 * result), or anything else (someone else moved the branch).
 */
import type { AppendResult, RepoId } from '../../ports/git-host.ts';
import { createOnce, NO_RESEND } from './create-once.ts';
import { toGitHostError } from './errors.ts';
import type { UpdaterOctokit } from './octokit.ts';

export interface AppendInput {
  readonly branch: string;
  readonly expectedHead: string;
  readonly files: readonly { readonly path: string; readonly content: string }[];
  readonly message: string;
}

const MUTATION = `mutation($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) { commit { oid } }
}`;

/** GitHub's headline and body: the first line, and the rest without the blank line after it. */
function splitMessage(message: string): { readonly headline: string; readonly body: string } {
  const end = message.indexOf('\n');
  if (end < 0) return { headline: message, body: '' };
  return { headline: message.slice(0, end), body: message.slice(end + 1).replace(/^\n/, '') };
}

/** The message GitHub stores for a headline and body. */
function storedMessage(message: string): string {
  const { headline, body } = splitMessage(message);
  return (body === '' ? headline : `${headline}\n\n${body}`).trimEnd();
}

export async function appendCommit(
  octokit: UpdaterOctokit,
  repo: RepoId,
  signal: AbortSignal | undefined,
  input: AppendInput,
): Promise<AppendResult> {
  const what = `${repo.owner}/${repo.name}: append a commit to ${input.branch}`;
  const request = { ...(signal ? { signal } : {}), ...NO_RESEND };
  const send = async (): Promise<AppendResult> => {
    try {
      const data = await octokit.graphql<{ createCommitOnBranch: { commit: { oid: string } } }>(MUTATION, {
        input: {
          branch: { repositoryNameWithOwner: `${repo.owner}/${repo.name}`, branchName: input.branch },
          expectedHeadOid: input.expectedHead,
          message: splitMessage(input.message),
          fileChanges: {
            additions: input.files.map((f) => ({
              path: f.path,
              contents: Buffer.from(f.content, 'utf8').toString('base64'),
            })),
          },
        },
        request,
      });
      return { sha: data.createCommitOnBranch.commit.oid };
    } catch (error) {
      const failure = toGitHostError(error, what);
      if (failure.code === 'NOT_FAST_FORWARD') return 'not-fast-forward';
      throw failure;
    }
  };
  const find = async (): Promise<AppendResult | undefined> => {
    const { data } = await octokit.rest.repos.getCommit({
      owner: repo.owner,
      repo: repo.name,
      ref: `heads/${input.branch}`,
      per_page: 1,
      ...(signal ? { request: { signal } } : {}),
    });
    if (data.sha === input.expectedHead) return undefined;
    const ours =
      data.parents.length === 1 &&
      data.parents[0]?.sha === input.expectedHead &&
      data.commit.message.trimEnd() === storedMessage(input.message);
    return ours ? { sha: data.sha } : 'not-fast-forward';
  };
  return createOnce(what, send, find);
}
