/**
 * What the apply step needs from a Git host (GitHub, GitHub Enterprise Server). Methods map to
 * one request each unless they say otherwise, so the core's request count is visible here.
 * Implementations translate vendor errors into `GitHostError` (`git-host-errors.ts`); a refusal
 * the core acts on (a branch or PR that exists, a non-fast-forward update) is a code, never a text.
 */

export interface RepoId {
  readonly owner: string;
  readonly name: string;
}

export interface TreeEntry {
  readonly path: string;
  readonly sha: string;
  /** Git file mode: 100644/100755 files, 120000 symlinks (never read), 160000 submodules. */
  readonly mode: string;
  readonly type: 'blob' | 'tree' | 'commit';
  /** Bytes, for blobs (so an oversized file is refused without downloading it). */
  readonly size?: number;
}

export interface CommitSnapshot {
  readonly commitSha: string;
  readonly treeSha: string;
  /** Recursive listing of the commit's tree. */
  readonly tree: readonly TreeEntry[];
}

export interface PullRequestInfo {
  readonly number: number;
  /** GraphQL node id, for auto-merge. */
  readonly nodeId: string;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  /** When and as which commit a merged PR landed (a promotion's "since", `core/apply/landings.ts`). */
  readonly mergedAt?: Date;
  readonly mergeCommitSha?: string;
  readonly headRef: string;
  readonly headSha: string;
  readonly baseRef: string;
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  readonly autoMerge: boolean;
}

export interface IssueInfo {
  readonly number: number;
  readonly state: 'open' | 'closed';
  readonly title: string;
  readonly body: string;
}

/** Everything the worker reads before deciding, fetched concurrently (one round trip). */
export interface RepoState {
  readonly defaultBranch: string;
  /** The config file on the default branch; undefined when the repo has none. */
  readonly config: { readonly text: string; readonly sha: string } | undefined;
  /** The default branch's head. */
  readonly head: CommitSnapshot;
  /** Open pull requests whose head branch starts with the updater's prefix. */
  readonly pulls: readonly PullRequestInfo[];
  /**
   * The most recently updated closed pull requests (one page, newest first) whose head branch
   * starts with the prefix: the memory of "closed means no". One conditional request, in the
   * same round trip; unchanged since the last read, it costs no rate limit.
   */
  readonly closedPulls: readonly PullRequestInfo[];
  /**
   * The updater's own issues (the config issue, the dashboard): those with the label, open and
   * closed, the 100 most recently created. One conditional request, in the same round trip.
   */
  readonly issues: readonly IssueInfo[];
}

export interface FileWrite {
  readonly path: string;
  readonly content: string;
  /** Keeps an executable bit; default 100644. */
  readonly mode?: '100644' | '100755';
}

export interface CommitInfo {
  readonly sha: string;
  readonly message: string;
}

/** `missing`: there is no such branch (deleted since it was seen). */
export type MoveResult = 'moved' | 'not-fast-forward' | 'missing';
/** The commit put on top of the branch, or the branch was not at the expected head. */
export type AppendResult = { readonly sha: string } | 'not-fast-forward';
export type MergeMethodName = 'merge' | 'squash' | 'rebase';
export type AutoMergeResult = 'enabled' | 'already-mergeable' | { readonly failed: string };
export type MergeResult =
  { readonly merged: true; readonly sha: string } | { readonly merged: false; readonly reason: string };

/** A release of a repository, as a pull request's provenance shows it. */
export interface ReleaseInfo {
  readonly tag: string;
  readonly body: string;
}

export interface RepoClient {
  readonly repo: RepoId;
  /**
   * Where this host's repositories are on the web (`https://github.com`, a GitHub Enterprise
   * Server's origin): a source repository there is one whose releases `readRelease` can read.
   */
  readonly webOrigin?: string;
  /**
   * A release of any repository on this host, by its tag, read with this client's credentials
   * (one request). Undefined when there is none or the credentials cannot see the repository
   * (404, 403): an App installation covers only its own repositories (and public ones).
   */
  readRelease?(repo: RepoId, tag: string): Promise<ReleaseInfo | undefined>;
  /**
   * Whether the credentials can read the repository (one request): resolves, or throws the
   * host's error (unauthorized, not found, unreachable). For start-up checks.
   */
  checkAccess?(): Promise<void>;
  /**
   * Runs `work` with `count` content-creating requests set aside in the host's secondary-limit
   * budget. When they cannot be had in time, it fails (retryable) before `work` starts, so a
   * unit of work never stops half-written for want of budget. No request of its own.
   */
  reserveWrites?<T>(count: number, work: () => Promise<T>): Promise<T>;
  readState(options: {
    readonly configPath: string;
    readonly branchPrefix: string;
    /** The label of the updater's issues (`UPDATER_ISSUE_LABEL`). */
    readonly issueLabel: string;
  }): Promise<RepoState>;
  /**
   * The config file on the default branch alone (one conditional request: unchanged since this
   * client's host last read it, it costs no rate limit); undefined when there is none.
   */
  readConfig(path: string): Promise<RepoState['config']>;
  /** A branch's head and tree; undefined when the branch does not exist. */
  readBranch(branch: string): Promise<CommitSnapshot | undefined>;
  /** Blob texts by sha (UTF-8), read concurrently. */
  readBlobs(shas: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** One tree (inline contents, no separate blob requests) and one commit: two requests. */
  createCommit(input: {
    /** The first parent is the branch's current head; a second one merges the base in. */
    readonly parents: readonly string[];
    readonly baseTreeSha: string;
    readonly files: readonly FileWrite[];
    readonly message: string;
  }): Promise<string>;
  /**
   * One commit on top of `branch` whose head must still be `expectedHead` (fast-forward only),
   * in one request instead of `createCommit` + `moveBranch`: the files' contents are written as
   * 100644 on the head's tree, the first line of `message` its headline. The commit names no
   * author or committer (a GitHub App's is signed by GitHub). Hosts without it leave it out.
   */
  appendCommit?(input: {
    readonly branch: string;
    readonly expectedHead: string;
    readonly files: readonly { readonly path: string; readonly content: string }[];
    readonly message: string;
  }): Promise<AppendResult>;
  /** false when the branch already exists. */
  createBranch(branch: string, sha: string): Promise<boolean>;
  /** Fast-forward only unless `force`; a rejected update is a result, not an error. */
  moveBranch(branch: string, sha: string, options?: { readonly force?: boolean }): Promise<MoveResult>;
  deleteBranch(branch: string): Promise<void>;
  /** The commits `head` has that `base` lacks, oldest first (GitHub lists at most a page of them). */
  commitsBetween(base: string, head: string): Promise<readonly CommitInfo[]>;
  /** One commit by sha or branch name; undefined when there is none. */
  readCommit(ref: string): Promise<CommitInfo | undefined>;
  /**
   * How `head` relates to `base` (one request): `ahead` or `identical` when it contains it;
   * undefined when either commit is unknown here. Hosts without it leave it out.
   */
  compareCommits?(
    base: string,
    head: string,
  ): Promise<'ahead' | 'identical' | 'behind' | 'diverged' | undefined>;
  /**
   * The newest commit on `ref` that changed `path`, and when it was committed (one request):
   * when a change whose pull request is unknown landed. Hosts without it leave it out.
   */
  lastCommitTouching?(
    ref: string,
    path: string,
  ): Promise<{ readonly sha: string; readonly at: Date } | undefined>;
  createPull(input: {
    readonly head: string;
    readonly base: string;
    readonly title: string;
    readonly body: string;
  }): Promise<PullRequestInfo>;
  updatePull(
    number: number,
    input: { readonly title?: string; readonly body?: string; readonly state?: 'open' | 'closed' },
  ): Promise<void>;
  getPull(number: number): Promise<PullRequestInfo & { readonly mergeable: boolean | null }>;
  addLabels(number: number, labels: readonly string[]): Promise<void>;
  requestReviewers(number: number, reviewers: readonly string[]): Promise<void>;
  comment(number: number, body: string): Promise<void>;
  /**
   * GitHub native auto-merge (GraphQL). GitHub refuses it for a PR that is mergeable right now
   * ("clean status"): the result says so and the caller merges directly.
   */
  enableAutoMerge(pull: PullRequestInfo, method: MergeMethodName): Promise<AutoMergeResult>;
  disableAutoMerge(pull: PullRequestInfo): Promise<void>;
  merge(
    number: number,
    input: { readonly sha: string; readonly method: MergeMethodName; readonly title?: string },
  ): Promise<MergeResult>;
  createIssue(input: {
    readonly title: string;
    readonly body: string;
    readonly labels: readonly string[];
  }): Promise<IssueInfo>;
  updateIssue(
    number: number,
    input: { readonly body?: string; readonly state?: 'open' | 'closed' },
  ): Promise<void>;
}

/** What a client's requests belong to. */
export interface RepoClientOptions {
  /**
   * Aborting it gives the work up: requests in flight or waiting (a retry's backoff, the write
   * budget) fail at once with a non-retryable `ABORTED` error and nothing more is sent.
   */
  readonly signal?: AbortSignal;
}

/** A repository a GitHub App installation can see. */
export interface DiscoveredRepo {
  /** `owner/name`. */
  readonly repo: string;
  readonly installationId: number;
  readonly topics: readonly string[];
  readonly archived: boolean;
}

/** Resolves a client per repository (a GitHub App installation is looked up per repo). */
export interface GitHost {
  /**
   * Every repository of every installation of the App (paginated: a request per 100
   * repositories, plus one per installation); absent with token auth, which has no such list.
   * A repository found so needs no installation lookup of its own afterwards.
   */
  listRepositories?(): Promise<readonly DiscoveredRepo[]>;
  /** The repositories of one installation (an `installation` event names it). */
  listInstallationRepositories?(installationId: number): Promise<readonly DiscoveredRepo[]>;
  repo(id: RepoId, options?: RepoClientOptions): Promise<RepoClient>;
  /**
   * Content-creating requests that could not start within `remainingMs` fail at once
   * (retryable): the caller hands its events back rather than being cut off by its own timeout.
   * `undefined` lifts the limit.
   */
  setWriteDeadline?(remainingMs: number | undefined): void;
}
