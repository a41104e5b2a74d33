/**
 * The reads of `GitHubRepoClient` (repo-client.ts): the repository's state in one round trip,
 * conditional GETs, blobs, commits, pull requests and issues. Every vendor error leaves here as a
 * `GitHostError`.
 */
import type {
  CommitInfo,
  CommitSnapshot,
  IssueInfo,
  PullRequestInfo,
  ReleaseInfo,
  RepoId,
  RepoState,
  TreeEntry,
} from '../../ports/git-host.ts';
import { GitHostError } from '../../ports/git-host-errors.ts';
import { RequestError } from '@octokit/request-error';
import { blobCache, conditionalCache, type BoundedCache, type ConditionalEntry } from './cache.ts';
import { toGitHostError } from './errors.ts';
import type { UpdaterOctokit } from './octokit.ts';

/** What survives between invocations of a warm function, per repository. */
export interface RepoCache {
  defaultBranch?: string;
  config?: { readonly path: string; readonly etag: string; readonly text: string; readonly sha: string };
  /** Blob texts by sha. */
  blobs?: BoundedCache<string>;
  /** Last answers of repeated GETs (branch head, tree, open PRs) with their `ETag`. */
  conditional?: BoundedCache<ConditionalEntry>;
}

/**
 * GitHub's documented default for new repositories. Read speculatively on a cold start, together
 * with the repository's metadata, so the first event needs no extra round trip when it is right.
 */
const DEFAULT_BRANCH_GUESS = 'main';

interface Response<T> {
  readonly data: T;
  readonly headers: { readonly etag?: string };
}

export interface PullLike {
  number: number;
  node_id: string;
  state: string;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  merged?: boolean;
  head: { ref: string; sha: string; repo?: { full_name: string } | null };
  base: { ref: string };
  title: string;
  body?: string | null;
  labels?: ({ name?: string } | string)[];
  auto_merge?: unknown;
}

export function toPull(p: PullLike): PullRequestInfo {
  return {
    number: p.number,
    nodeId: p.node_id,
    state: p.state === 'open' ? 'open' : 'closed',
    merged: Boolean(p.merged ?? p.merged_at),
    ...(p.merged_at ? { mergedAt: new Date(p.merged_at) } : {}),
    ...(p.merged_at && p.merge_commit_sha ? { mergeCommitSha: p.merge_commit_sha } : {}),
    headRef: p.head.ref,
    headSha: p.head.sha,
    baseRef: p.base.ref,
    title: p.title,
    body: p.body ?? '',
    labels: (p.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    autoMerge: p.auto_merge !== null && p.auto_merge !== undefined,
  };
}

export function toIssue(i: {
  number: number;
  state: string;
  title: string;
  body?: string | null;
}): IssueInfo {
  return {
    number: i.number,
    state: i.state === 'open' ? 'open' : 'closed',
    title: i.title,
    body: i.body ?? '',
  };
}

export class GitHubRepoReads {
  constructor(
    protected readonly octokit: UpdaterOctokit,
    readonly repo: RepoId,
    protected readonly cache: RepoCache = {},
    private readonly defaultBranchGuess: string = DEFAULT_BRANCH_GUESS,
    /** Every request of this client carries it: aborting it gives the client's work up. */
    protected readonly signal?: AbortSignal,
  ) {}

  protected get base() {
    return { owner: this.repo.owner, repo: this.repo.name, ...this.requestOptions };
  }

  protected get requestOptions() {
    return this.signal ? { request: { signal: this.signal } } : {};
  }

  /**
   * GitHub Enterprise Server serves its API under `https://HOST/api/v3` and its repositories at
   * `https://HOST`; any other API root (api.github.com, a proxy or stand-in for it) is github.com's.
   */
  get webOrigin(): string {
    const api = new URL(this.octokit.request.endpoint.DEFAULTS.baseUrl);
    return /\/api\/v3\/?$/.test(api.pathname) ? api.origin : 'https://github.com';
  }

  /** Not there, or not visible to these credentials (another installation's private repository): none. */
  async readRelease(repo: RepoId, tag: string): Promise<ReleaseInfo | undefined> {
    try {
      const { data } = await this.octokit.rest.repos.getReleaseByTag({
        owner: repo.owner,
        repo: repo.name,
        tag,
        // Release notes are a nicety: a failing GitHub is not retried with the PR waiting on it.
        request: { retries: 0, ...(this.signal ? { signal: this.signal } : {}) },
      });
      return { tag: data.tag_name, body: data.body ?? '' };
    } catch (error) {
      const failure = toGitHostError(error, `${repo.owner}/${repo.name}: read the release ${tag}`);
      if (['GITHUB_NOT_FOUND', 'GITHUB_FORBIDDEN', 'GITHUB_UNAUTHORIZED'].includes(failure.code))
        return undefined;
      throw failure;
    }
  }

  async checkAccess(): Promise<void> {
    await this.call('check access', () => this.octokit.rest.repos.get(this.base));
  }

  protected async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toGitHostError(error, `${this.repo.owner}/${this.repo.name}: ${what}`);
    }
  }

  async readState(options: {
    readonly configPath: string;
    readonly branchPrefix: string;
    readonly issueLabel: string;
  }): Promise<RepoState> {
    // The head and tree reads join the first wave of requests: by the cached default branch,
    // or on a cold start by a guess that the repository's metadata, read alongside, confirms.
    const known = this.cache.defaultBranch;
    const guess = known ?? this.defaultBranchGuess;
    const [actual, config, { open: pulls, closed: closedPulls }, early, issues] = await Promise.all([
      known ??
        this.call(
          'get repository',
          async () => (await this.octokit.rest.repos.get(this.base)).data.default_branch,
        ),
      this.readConfig(options.configPath),
      this.listPulls(options.branchPrefix),
      this.readBranch(guess),
      this.listIssues(options.issueLabel),
    ]);
    const defaultBranch = actual;
    this.cache.defaultBranch = defaultBranch;
    const head = defaultBranch === guess && early ? early : await this.readBranch(defaultBranch);
    if (!head)
      throw new GitHostError(
        'GITHUB_NOT_FOUND',
        `${this.repo.owner}/${this.repo.name}: default branch ${defaultBranch} not found`,
      );
    return { defaultBranch, config, head, pulls, closedPulls, issues };
  }

  /**
   * A GET revalidated with the `ETag` of its last answer: `304 Not Modified` returns the cached
   * data and costs no primary rate limit.
   */
  private async conditional<T>(
    key: string,
    request: (headers: Record<string, string>) => Promise<Response<T>>,
  ): Promise<T> {
    const cache = (this.cache.conditional ??= conditionalCache());
    const cached = cache.get(key);
    try {
      const response = await request(cached ? { 'if-none-match': cached.etag } : {});
      if (response.headers.etag) cache.set(key, { etag: response.headers.etag, data: response.data });
      return response.data;
    } catch (error) {
      if (error instanceof RequestError && error.status === 304 && cached) return cached.data as T;
      throw error;
    }
  }

  /** Conditional request: an unchanged config answers 304, which costs no rate limit. */
  async readConfig(path: string): Promise<RepoState['config']> {
    const cached = this.cache.config?.path === path ? this.cache.config : undefined;
    try {
      const response = await this.octokit.rest.repos.getContent({
        ...this.base,
        path,
        ...(cached ? { headers: { 'if-none-match': cached.etag } } : {}),
      });
      const data = response.data;
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      const text = Buffer.from(data.content, 'base64').toString('utf8');
      const etag = response.headers.etag;
      if (etag) this.cache.config = { path, etag, text, sha: data.sha };
      return { text, sha: data.sha };
    } catch (error) {
      if (error instanceof RequestError && error.status === 304 && cached)
        return { text: cached.text, sha: cached.sha };
      const failure = toGitHostError(error, `${this.repo.owner}/${this.repo.name}: read ${path}`);
      if (failure.code === 'GITHUB_NOT_FOUND') return undefined;
      throw failure;
    }
  }

  /**
   * Our open PRs and the most recently closed ones, in one request while the repository has
   * fewer than 100 pull requests in all (then `state=all`, newest updated first, holds every one
   * of them), conditional so an unchanged page answers 304. Past that the open ones are listed on
   * their own (every page) and the closed ones are the first page of `state=all`: a PR closed
   * since the last read is on it; older closes stay in force through the PRs on the page (a
   * close covers every tag not above its own), or drop off after 100 newer updates.
   */
  private async listPulls(prefix: string): Promise<{ open: PullRequestInfo[]; closed: PullRequestInfo[] }> {
    return this.call('list pull requests', async () => {
      const recent = await this.conditional('pulls:all', (headers) =>
        this.octokit.rest.pulls.list({
          ...this.base,
          state: 'all',
          sort: 'updated',
          direction: 'desc',
          per_page: 100,
          headers,
        }),
      );
      // A fork's PR may name its branch like ours and forge a state marker: only branches of
      // this repository count.
      const here = `${this.repo.owner}/${this.repo.name}`.toLowerCase();
      const ours = (list: readonly PullLike[]) =>
        list
          .filter(
            (p) => p.head.ref.startsWith(prefix) && (p.head.repo?.full_name ?? '').toLowerCase() === here,
          )
          .map((p) => toPull(p));
      const closed = ours((recent as PullLike[]).filter((p) => p.state !== 'open'));
      if (recent.length < 100)
        return { open: ours((recent as PullLike[]).filter((p) => p.state === 'open')), closed };
      const params = { ...this.base, state: 'open' as const, per_page: 100 };
      const first = await this.conditional('pulls:open', (headers) =>
        this.octokit.rest.pulls.list({ ...params, headers }),
      );
      const open =
        first.length < 100
          ? first
          : [
              ...first,
              ...(await this.octokit.paginate(this.octokit.rest.pulls.list, { ...params, page: 2 })),
            ];
      return { open: ours(open as PullLike[]), closed };
    });
  }

  async readBranch(branch: string): Promise<CommitSnapshot | undefined> {
    try {
      // Branch and tree by name in parallel; a push landing between the two shows as a tree sha
      // that differs from the commit's, and the tree is then read again by sha.
      const [b, t] = await Promise.all([
        this.conditional(`branch:${branch}`, (headers) =>
          this.octokit.rest.repos.getBranch({ ...this.base, branch, headers }),
        ),
        this.conditional(`tree:${branch}`, (headers) =>
          this.octokit.rest.git.getTree({ ...this.base, tree_sha: branch, recursive: '1', headers }),
        ),
      ]);
      const commitSha = b.commit.sha;
      const treeSha = b.commit.commit.tree.sha;
      const tree =
        t.sha === treeSha
          ? t
          : (await this.octokit.rest.git.getTree({ ...this.base, tree_sha: treeSha, recursive: '1' })).data;
      if (tree.truncated) {
        throw new GitHostError(
          'GITHUB_TREE_TRUNCATED',
          `${this.repo.owner}/${this.repo.name}: the tree of ${branch} is too large to list`,
        );
      }
      const entries: TreeEntry[] = tree.tree
        .filter((e) => e.path !== undefined && e.sha !== undefined && e.mode !== undefined)
        .map((e) => ({
          path: e.path as string,
          sha: e.sha as string,
          mode: e.mode as string,
          type: e.type as TreeEntry['type'],
          ...(typeof e.size === 'number' ? { size: e.size } : {}),
        }));
      return { commitSha, treeSha, tree: entries };
    } catch (error) {
      const failure = toGitHostError(error, `${this.repo.owner}/${this.repo.name}: read branch ${branch}`);
      if (failure.code === 'GITHUB_NOT_FOUND') return undefined;
      throw failure;
    }
  }

  async readBlobs(shas: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const blobs = (this.cache.blobs ??= blobCache());
    const unique = [...new Set(shas)];
    const texts = await Promise.all(
      unique.map(
        (sha) =>
          blobs.get(sha) ??
          this.call(`read blob ${sha}`, async () => {
            const { data } = await this.octokit.rest.git.getBlob({ ...this.base, file_sha: sha });
            const text = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString(
              'utf8',
            );
            blobs.set(sha, text);
            return text;
          }),
      ),
    );
    return new Map(unique.map((sha, i) => [sha, texts[i] as string]));
  }

  async commitsBetween(base: string, head: string): Promise<readonly CommitInfo[]> {
    return this.call(`compare ${base}...${head}`, async () => {
      const { data } = await this.octokit.rest.repos.compareCommitsWithBasehead({
        ...this.base,
        basehead: `${base}...${head}`,
      });
      return data.commits.map((c) => ({ sha: c.sha, message: c.commit.message }));
    });
  }

  async compareCommits(
    base: string,
    head: string,
  ): Promise<'ahead' | 'identical' | 'behind' | 'diverged' | undefined> {
    try {
      // One commit of the list at most: only the status is wanted.
      const { data } = await this.octokit.rest.repos.compareCommitsWithBasehead({
        ...this.base,
        basehead: `${base}...${head}`,
        per_page: 1,
      });
      return data.status;
    } catch (error) {
      const failure = toGitHostError(
        error,
        `${this.repo.owner}/${this.repo.name}: compare ${base}...${head}`,
      );
      // A commit this repository does not have (a report about another repository's commit).
      if (failure.code === 'GITHUB_NOT_FOUND' || failure.status === 422) return undefined;
      throw failure;
    }
  }

  async lastCommitTouching(ref: string, path: string): Promise<{ sha: string; at: Date } | undefined> {
    return this.call(`last commit of ${path} on ${ref}`, async () => {
      const { data } = await this.octokit.rest.repos.listCommits({
        ...this.base,
        sha: ref,
        path,
        per_page: 1,
      });
      const commit = data[0];
      // The committer's date: when it was applied to the branch (a rebase or cherry-pick keeps
      // the author's). A missing or unreadable date is no landing time.
      const at = commit?.commit.committer?.date ? new Date(commit.commit.committer.date) : undefined;
      return commit && at && !Number.isNaN(at.getTime()) ? { sha: commit.sha, at } : undefined;
    });
  }

  async readCommit(ref: string): Promise<CommitInfo | undefined> {
    try {
      // One file of the diff at most: only the message is wanted.
      const { data } = await this.octokit.rest.repos.getCommit({ ...this.base, ref, per_page: 1 });
      return { sha: data.sha, message: data.commit.message };
    } catch (error) {
      const failure = toGitHostError(error, `${this.repo.owner}/${this.repo.name}: read commit ${ref}`);
      // No such ref: 404, or 422 "No commit found for SHA: …".
      if (failure.code === 'GITHUB_NOT_FOUND' || failure.status === 422) return undefined;
      throw failure;
    }
  }

  async getPull(number: number): Promise<PullRequestInfo & { readonly mergeable: boolean | null }> {
    return this.call(`get pull request #${number}`, async () => {
      const { data } = await this.octokit.rest.pulls.get({ ...this.base, pull_number: number });
      return { ...toPull(data as PullLike), mergeable: data.mergeable };
    });
  }

  /**
   * The issues carrying the label (not pull requests), open and closed, the 100 most recently
   * created: conditional, so an unchanged list answers 304 and costs no rate limit.
   */
  async listIssues(label: string): Promise<IssueInfo[]> {
    return this.call('list issues', async () => {
      const data = await this.conditional(`issues:${label}`, (headers) =>
        this.octokit.rest.issues.listForRepo({
          ...this.base,
          labels: label,
          state: 'all',
          per_page: 100,
          headers,
        }),
      );
      return data.filter((i) => !i.pull_request).map(toIssue);
    });
  }
}
