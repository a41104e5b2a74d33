/**
 * `RepoClient` over the GitHub REST API (and GraphQL for auto-merge and `appendCommit`), through one Octokit: the
 * writes here, the reads in `repo-reads.ts`. Every vendor error leaves here as a `GitHostError`.
 */
import type {
  AppendResult,
  AutoMergeResult,
  FileWrite,
  IssueInfo,
  MergeMethodName,
  MergeResult,
  MoveResult,
  PullRequestInfo,
  RepoClient,
} from '../../ports/git-host.ts';
import type { GitHostErrorCode } from '../../ports/git-host-errors.ts';
import { RequestError } from '@octokit/request-error';
import { appendCommit, type AppendInput } from './append-commit.ts';
import { toGitHostError } from './errors.ts';
import { createOnce, NO_RESEND } from './create-once.ts';
import { GitHubRepoReads, toIssue, toPull, type PullLike } from './repo-reads.ts';
import { WriteBudgetExhaustedError } from './write-budget.ts';

/**
 * How far GitHub's clock may be behind ours when looking for a comment we may have written. A
 * comment with the same text from this window is taken for ours: the pull request says it already.
 */
const CLOCK_SKEW_MS = 5 * 60_000;

const GRAPHQL_METHOD: Record<MergeMethodName, string> = {
  merge: 'MERGE',
  squash: 'SQUASH',
  rebase: 'REBASE',
};

/** Codes of a request GitHub did not answer with a refusal. */
const UNANSWERED: ReadonlySet<GitHostErrorCode> = new Set([
  'GITHUB_SERVER_ERROR',
  'GITHUB_UNREACHABLE',
  'ABORTED',
]);

export class GitHubRepoClient extends GitHubRepoReads implements RepoClient {
  /** The `request` options of a creating request that must not be resent blindly (`createOnce`). */
  private get noResend() {
    return { ...(this.signal ? { signal: this.signal } : {}), ...NO_RESEND };
  }

  async reserveWrites<T>(count: number, work: () => Promise<T>): Promise<T> {
    try {
      // One more than the estimate: taking over a branch a failed attempt left behind costs a
      // refused create and a forced update; unused slots are given back when the unit ends.
      return await this.octokit.writeBudget.reserve(count + 1, work);
    } catch (error) {
      // The reservation's own refusal; `work` throws GitHostErrors already.
      if (error instanceof WriteBudgetExhaustedError)
        throw toGitHostError(error, `${this.repo.owner}/${this.repo.name}: set aside ${count} writes`);
      throw error;
    }
  }

  async createCommit(input: {
    readonly parents: readonly string[];
    readonly baseTreeSha: string;
    readonly files: readonly FileWrite[];
    readonly message: string;
  }): Promise<string> {
    return this.call('create commit', async () => {
      const tree = await this.octokit.rest.git.createTree({
        ...this.base,
        base_tree: input.baseTreeSha,
        tree: input.files.map((f) => ({
          path: f.path,
          mode: f.mode ?? '100644',
          type: 'blob' as const,
          content: f.content,
        })),
      });
      const commit = await this.octokit.rest.git.createCommit({
        ...this.base,
        message: input.message,
        tree: tree.data.sha,
        parents: [...input.parents],
      });
      return commit.data.sha;
    });
  }

  appendCommit(input: AppendInput): Promise<AppendResult> {
    return appendCommit(this.octokit, this.repo, this.signal, input);
  }

  async createBranch(branch: string, sha: string): Promise<boolean> {
    try {
      await this.octokit.rest.git.createRef({ ...this.base, ref: `refs/heads/${branch}`, sha });
      return true;
    } catch (error) {
      const failure = toGitHostError(error, `${this.repo.owner}/${this.repo.name}: create branch ${branch}`);
      if (failure.code === 'ALREADY_EXISTS') return false;
      throw failure;
    }
  }

  async moveBranch(
    branch: string,
    sha: string,
    options: { readonly force?: boolean } = {},
  ): Promise<MoveResult> {
    try {
      await this.octokit.rest.git.updateRef({
        ...this.base,
        ref: `heads/${branch}`,
        sha,
        force: options.force ?? false,
      });
      return 'moved';
    } catch (error) {
      const failure = toGitHostError(error, `${this.repo.owner}/${this.repo.name}: update branch ${branch}`);
      if (failure.code === 'NOT_FAST_FORWARD') return 'not-fast-forward';
      if (failure.code === 'GITHUB_NOT_FOUND') return 'missing';
      throw failure;
    }
  }

  async deleteBranch(branch: string): Promise<void> {
    try {
      await this.octokit.rest.git.deleteRef({ ...this.base, ref: `heads/${branch}` });
    } catch (error) {
      const failure = toGitHostError(error, `${this.repo.owner}/${this.repo.name}: delete branch ${branch}`);
      // Already gone: 404, or 422 "Reference does not exist".
      if (failure.code === 'GITHUB_NOT_FOUND' || failure.status === 422) return;
      throw failure;
    }
  }

  async createPull(input: {
    readonly head: string;
    readonly base: string;
    readonly title: string;
    readonly body: string;
  }): Promise<PullRequestInfo> {
    return this.call('create pull request', async () =>
      toPull((await this.octokit.rest.pulls.create({ ...this.base, ...input })).data as PullLike),
    );
  }

  async updatePull(
    number: number,
    input: { readonly title?: string; readonly body?: string; readonly state?: 'open' | 'closed' },
  ): Promise<void> {
    await this.call(`update pull request #${number}`, () =>
      this.octokit.rest.pulls.update({ ...this.base, pull_number: number, ...input }),
    );
  }

  async addLabels(number: number, labels: readonly string[]): Promise<void> {
    if (labels.length === 0) return;
    await this.call(`label #${number}`, () =>
      this.octokit.rest.issues.addLabels({ ...this.base, issue_number: number, labels: [...labels] }),
    );
  }

  async requestReviewers(number: number, reviewers: readonly string[]): Promise<void> {
    if (reviewers.length === 0) return;
    const users = reviewers.filter((r) => !r.includes('/'));
    const teams = reviewers.filter((r) => r.includes('/')).map((r) => r.slice(r.indexOf('/') + 1));
    await this.call(`request reviewers on #${number}`, () =>
      this.octokit.rest.pulls.requestReviewers({
        ...this.base,
        pull_number: number,
        ...(users.length ? { reviewers: users } : {}),
        ...(teams.length ? { team_reviewers: teams } : {}),
      }),
    );
  }

  async comment(number: number, body: string): Promise<void> {
    const sentAt = Date.now();
    await createOnce(
      `${this.repo.owner}/${this.repo.name}: comment on #${number}`,
      async () =>
        (
          await this.octokit.rest.issues.createComment({
            ...this.base,
            issue_number: number,
            body,
            request: this.noResend,
          })
        ).data.id,
      async () => {
        // Comments come oldest first; `since` keeps the page to the ones written around our send.
        const { data } = await this.octokit.rest.issues.listComments({
          ...this.base,
          issue_number: number,
          since: new Date(sentAt - CLOCK_SKEW_MS).toISOString(),
          per_page: 100,
        });
        return data.findLast((c) => c.body === body)?.id;
      },
    );
  }

  async enableAutoMerge(pull: PullRequestInfo, method: MergeMethodName): Promise<AutoMergeResult> {
    try {
      await this.octokit.graphql(
        `mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!) {
          enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod }) { clientMutationId }
        }`,
        { id: pull.nodeId, mergeMethod: GRAPHQL_METHOD[method], ...this.requestOptions },
      );
      return 'enabled';
    } catch (error) {
      const what = `enable auto-merge on #${pull.number}`;
      const failure = toGitHostError(error, what);
      // GitHub refuses auto-merge when nothing is pending: the PR can be merged right away.
      if (failure.code === 'ALREADY_MERGEABLE') return 'already-mergeable';
      // Not GitHub refusing auto-merge: our own budget said no (nothing was sent), or there was
      // no answer (server error, network, the work given up). The unit fails and is tried again.
      if (error instanceof WriteBudgetExhaustedError || UNANSWERED.has(failure.code)) throw failure;
      return { failed: failure.message.slice(what.length + 2) };
    }
  }

  async disableAutoMerge(pull: PullRequestInfo): Promise<void> {
    await this.call(`disable auto-merge on #${pull.number}`, () =>
      this.octokit.graphql(
        `mutation($id: ID!) { disablePullRequestAutoMerge(input: { pullRequestId: $id }) { clientMutationId } }`,
        { id: pull.nodeId, ...this.requestOptions },
      ),
    );
  }

  async merge(
    number: number,
    input: { readonly sha: string; readonly method: MergeMethodName; readonly title?: string },
  ): Promise<MergeResult> {
    try {
      const { data } = await this.octokit.rest.pulls.merge({
        ...this.base,
        pull_number: number,
        sha: input.sha,
        merge_method: input.method,
        ...(input.title ? { commit_title: input.title } : {}),
      });
      return data.merged ? { merged: true, sha: data.sha } : { merged: false, reason: data.message };
    } catch (error) {
      // 405 "Pull Request is not mergeable", 409 "Head branch was modified…", 422: a refusal.
      if (error instanceof RequestError && error.response && [405, 409, 422].includes(error.status))
        return { merged: false, reason: error.message.split('\n')[0] ?? 'not mergeable' };
      throw toGitHostError(error, `merge #${number}`);
    }
  }

  async createIssue(input: {
    readonly title: string;
    readonly body: string;
    readonly labels: readonly string[];
  }): Promise<IssueInfo> {
    return createOnce(
      `${this.repo.owner}/${this.repo.name}: create issue`,
      async () =>
        toIssue(
          (
            await this.octokit.rest.issues.create({
              ...this.base,
              title: input.title,
              body: input.body,
              labels: [...input.labels],
              request: this.noResend,
            })
          ).data,
        ),
      async () => {
        const { data } = await this.octokit.rest.issues.listForRepo({
          ...this.base,
          ...(input.labels.length > 0 ? { labels: input.labels.join(',') } : {}),
          state: 'all',
          sort: 'created',
          direction: 'desc',
          per_page: 30,
        });
        const issue = data.find(
          (i) => !i.pull_request && i.title === input.title && (i.body ?? '') === input.body,
        );
        return issue && toIssue(issue);
      },
    );
  }

  async updateIssue(
    number: number,
    input: { readonly body?: string; readonly state?: 'open' | 'closed' },
  ): Promise<void> {
    await this.call(`update issue #${number}`, () =>
      this.octokit.rest.issues.update({ ...this.base, issue_number: number, ...input }),
    );
  }
}
