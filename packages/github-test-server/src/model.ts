import type { Clock } from './clock.ts';
import { isoSeconds } from './clock.ts';
import { HttpError } from './errors.ts';
import type { Leaf, Signature } from './git.ts';
import { ObjectStore } from './git.ts';

/**
 * The emulated GitHub: accounts, repositories, refs, issues and pull requests, and the rules
 * that tie them together (a merged PR moves its base; deleting a head branch closes its PR;
 * a base branch that comes to contain a PR's head marks that PR merged, as GitHub does).
 */

export interface Account {
  readonly login: string;
  readonly id: number;
  readonly nodeId: string;
  readonly type: 'User' | 'Organization' | 'Bot';
  readonly name: string;
  readonly email: string;
}

export interface LabelRecord {
  readonly id: number;
  readonly nodeId: string;
  name: string;
  color: string;
  description: string | null;
}

export interface CommentRecord {
  readonly id: number;
  readonly nodeId: string;
  readonly issueNumber: number;
  body: string;
  readonly user: Account;
  readonly createdAt: number;
  updatedAt: number;
}

export type StatusState = 'error' | 'failure' | 'pending' | 'success';

export interface StatusRecord {
  readonly id: number;
  readonly nodeId: string;
  readonly sha: string;
  readonly context: string;
  readonly state: StatusState;
  readonly description: string | null;
  readonly targetUrl: string | null;
  readonly creator: Account;
  readonly createdAt: number;
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

interface AutoMerge {
  readonly enabledBy: Account;
  readonly method: MergeMethod;
  readonly enabledAt: number;
  readonly commitTitle: string | undefined;
  readonly commitBody: string | undefined;
}

/** How a repository is seeded. */
export interface CreateRepoOptions {
  readonly defaultBranch?: string;
  readonly files?: Record<string, FileInput>;
  readonly ownerType?: 'User' | 'Organization';
  readonly settings?: Partial<RepoSettings>;
  /** Status check contexts required on the default branch before a PR may merge. */
  readonly requiredChecks?: readonly string[];
  /** Who commits the seed files. */
  readonly author?: string;
}

export interface PullRecord {
  readonly id: number;
  readonly nodeId: string;
  readonly headRef: string;
  baseRef: string;
  draft: boolean;
  maintainerCanModify: boolean;
  merged: boolean;
  mergedAt: number | null;
  mergedBy: Account | null;
  mergeCommitSha: string | null;
  /** The head sha at the moment the PR stopped being open (the head ref may move or vanish). */
  frozenHeadSha: string | null;
  requestedReviewers: string[];
  requestedTeams: string[];
  autoMerge: AutoMerge | null;
  /** Remaining reads that report mergeability as not yet computed (see `mergeabilityUnknownReads`). */
  unknownReadsLeft: number;
  mergeabilityKey: string;
}

export interface IssueRecord {
  readonly number: number;
  readonly id: number;
  readonly nodeId: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | null;
  readonly user: Account;
  /** Label names as the repository spells them. */
  labels: string[];
  assignees: string[];
  readonly createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  closedBy: Account | null;
  comments: number;
  readonly pull: PullRecord | undefined;
}

export interface RepoSettings {
  private: boolean;
  allowMergeCommit: boolean;
  allowSquashMerge: boolean;
  allowRebaseMerge: boolean;
  allowAutoMerge: boolean;
  deleteBranchOnMerge: boolean;
  /** GitHub topics (what discovery filters on). */
  topics: readonly string[];
  /** Read-only on GitHub: writes answer 403. */
  archived: boolean;
}

/** A release, as `repos/get-release-by-tag` answers it. */
export interface ReleaseRecord {
  readonly id: number;
  readonly tagName: string;
  readonly name: string | null;
  readonly body: string | null;
  readonly draft: boolean;
  readonly prerelease: boolean;
  readonly createdAt: number;
  readonly author: Account;
}

export interface Repo {
  readonly id: number;
  readonly nodeId: string;
  readonly owner: Account;
  readonly name: string;
  readonly fullName: string;
  defaultBranch: string;
  readonly settings: RepoSettings;
  readonly createdAt: number;
  updatedAt: number;
  pushedAt: number;
  readonly store: ObjectStore;
  /** Full ref names (`refs/heads/main`) to commit shas. */
  readonly refs: Map<string, string>;
  readonly issues: Map<number, IssueRecord>;
  nextNumber: number;
  /** Keyed by lower-cased name: GitHub label names are case-insensitive. */
  readonly labels: Map<string, LabelRecord>;
  readonly comments: Map<number, CommentRecord>;
  readonly statuses: Map<string, StatusRecord[]>;
  /** Branch name → required status check contexts. */
  readonly requiredChecks: Map<string, string[]>;
  /** By tag name. */
  readonly releases: Map<string, ReleaseRecord>;
}

export type FileInput = string | Uint8Array | null;

export interface Mergeability {
  readonly mergeable: boolean | null;
  readonly state: 'clean' | 'dirty' | 'blocked' | 'draft' | 'unknown';
  readonly conflicts: readonly string[];
  readonly missingChecks: readonly string[];
}

export interface WorldOptions {
  readonly mergeabilityUnknownReads: number;
  readonly autoMergeWhenClean: 'reject' | 'merge';
  /** `GET /git/trees?recursive=1` answers `truncated: true` beyond this many entries. */
  readonly treeTruncationLimit: number;
}

const GITHUB_COMMITTER = { name: 'GitHub', email: 'noreply@github.com' } as const;

export class World {
  readonly clock: Clock;
  readonly options: WorldOptions;
  readonly accounts = new Map<string, Account>();
  readonly repos = new Map<string, Repo>();
  /** GraphQL node id → pull request. */
  readonly pullNodes = new Map<string, { repo: Repo; number: number }>();
  private nextId = 1000;
  private settling = false;

  constructor(clock: Clock, options: WorldOptions) {
    this.clock = clock;
    this.options = options;
  }

  newId(): number {
    this.nextId += 1;
    return this.nextId;
  }

  nodeId(prefix: string, id: number): string {
    return `${prefix}_kwDO${Buffer.from(`${prefix}:${id}`).toString('base64url')}`;
  }

  account(login: string, type: Account['type'] = 'User'): Account {
    const existing = this.accounts.get(login.toLowerCase());
    if (existing) return existing;
    const id = this.newId();
    const account: Account = {
      login,
      id,
      nodeId: this.nodeId(type === 'Organization' ? 'O' : type === 'Bot' ? 'BOT' : 'U', id),
      type,
      name: login,
      email: `${id}+${login}@users.noreply.github.com`,
    };
    this.accounts.set(login.toLowerCase(), account);
    return account;
  }

  accountByEmail(email: string): Account | undefined {
    for (const account of this.accounts.values()) if (account.email === email) return account;
    return undefined;
  }

  signature(account: { name: string; email: string }): Signature {
    return { name: account.name, email: account.email, date: isoSeconds(this.clock.now()) };
  }

  repo(owner: string, name: string): Repo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  createRepo(ownerLogin: string, name: string, options: CreateRepoOptions = {}): Repo {
    if (this.repo(ownerLogin, name)) throw new Error(`repository ${ownerLogin}/${name} already exists`);
    const owner = this.account(ownerLogin, options.ownerType ?? 'Organization');
    const id = this.newId();
    const now = this.clock.now();
    const repo: Repo = {
      id,
      nodeId: this.nodeId('R', id),
      owner,
      name,
      fullName: `${owner.login}/${name}`,
      defaultBranch: options.defaultBranch ?? 'main',
      settings: {
        private: true,
        allowMergeCommit: true,
        allowSquashMerge: true,
        allowRebaseMerge: true,
        allowAutoMerge: true,
        deleteBranchOnMerge: false,
        topics: [],
        archived: false,
        ...options.settings,
      },
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
      store: new ObjectStore(),
      refs: new Map(),
      issues: new Map(),
      nextNumber: 1,
      labels: new Map(),
      comments: new Map(),
      statuses: new Map(),
      requiredChecks: new Map(),
      releases: new Map(),
    };
    if (options.requiredChecks && options.requiredChecks.length > 0) {
      repo.requiredChecks.set(repo.defaultBranch, [...options.requiredChecks]);
    }
    this.repos.set(repo.fullName.toLowerCase(), repo);
    const author = this.account(options.author ?? 'octocat');
    const tree = this.applyFiles(repo, undefined, options.files ?? {});
    const signature = this.signature(author);
    const commit = repo.store.putCommit({
      tree,
      parents: [],
      author: signature,
      committer: signature,
      message: 'Initial commit',
    });
    repo.refs.set(`refs/heads/${repo.defaultBranch}`, commit);
    return repo;
  }

  /** A new root tree: `baseTree` with `files` written (`null` deletes a path). */
  applyFiles(repo: Repo, baseTree: string | undefined, files: Record<string, FileInput>): string {
    const flat = baseTree ? repo.store.flatten(baseTree) : new Map<string, Leaf>();
    for (const [path, content] of Object.entries(files)) {
      const clean = path.replace(/^\/+/, '');
      if (content === null) {
        flat.delete(clean);
        for (const key of [...flat.keys()]) if (key.startsWith(`${clean}/`)) flat.delete(key);
      } else {
        const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
        flat.set(clean, { mode: '100644', type: 'blob', sha: repo.store.putBlob(data) });
      }
    }
    return repo.store.buildTree(flat);
  }

  /** Resolves a branch/tag name, full ref or commit sha to a commit sha. */
  resolveCommitish(repo: Repo, ref: string): string | undefined {
    for (const candidate of [ref, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/${ref}`]) {
      const sha = repo.refs.get(candidate);
      if (sha) return sha;
    }
    if (/^[0-9a-f]{40}$/.test(ref) && repo.store.commit(ref)) return ref;
    if (/^[0-9a-f]{7,39}$/.test(ref)) {
      const matches = [...repo.refs.values(), ...this.allCommits(repo)].filter((sha) => sha.startsWith(ref));
      const unique = [...new Set(matches)];
      if (unique.length === 1) return unique[0];
    }
    return undefined;
  }

  private allCommits(repo: Repo): string[] {
    const seen = new Set<string>();
    for (const sha of repo.refs.values()) for (const commit of repo.store.ancestors(sha)) seen.add(commit);
    return [...seen];
  }

  branchHead(repo: Repo, branch: string): string | undefined {
    return repo.refs.get(`refs/heads/${branch}`);
  }

  /**
   * Moves (or creates) a ref and applies GitHub's consequences. Fast-forward enforcement is the
   * caller's job: the merge machinery moves refs too.
   */
  setRef(repo: Repo, ref: string, sha: string, actor: Account): void {
    const before = repo.refs.get(ref);
    repo.refs.set(ref, sha);
    repo.pushedAt = this.clock.now();
    repo.updatedAt = repo.pushedAt;
    if (ref.startsWith('refs/heads/') && before !== sha)
      this.afterBranchMoved(repo, ref.slice('refs/heads/'.length), sha, actor);
  }

  deleteRef(repo: Repo, ref: string, actor: Account): void {
    repo.refs.delete(ref);
    if (!ref.startsWith('refs/heads/')) return;
    const branch = ref.slice('refs/heads/'.length);
    const now = this.clock.now();
    for (const issue of repo.issues.values()) {
      const pull = issue.pull;
      if (!pull || issue.state !== 'open' || pull.headRef !== branch) continue;
      // GitHub closes a pull request whose head branch is deleted.
      pull.frozenHeadSha = this.headShaWhileOpen(repo, pull) ?? pull.frozenHeadSha;
      issue.state = 'closed';
      issue.closedAt = now;
      issue.closedBy = actor;
      issue.updatedAt = now;
      pull.autoMerge = null;
    }
  }

  private afterBranchMoved(repo: Repo, branch: string, sha: string, actor: Account): void {
    const now = this.clock.now();
    const contained = repo.store.ancestors(sha);
    for (const issue of repo.issues.values()) {
      const pull = issue.pull;
      if (!pull || issue.state !== 'open') continue;
      if (pull.headRef === branch) issue.updatedAt = now;
      if (pull.baseRef !== branch) continue;
      const head = this.headShaWhileOpen(repo, pull);
      if (head && contained.has(head)) {
        // Someone pushed the PR's commits to its base: GitHub marks the PR merged.
        this.markMerged(issue, pull, head, actor);
      }
    }
    this.settle(repo);
  }

  private markMerged(issue: IssueRecord, pull: PullRecord, mergeCommitSha: string, actor: Account): void {
    const now = this.clock.now();
    pull.frozenHeadSha = pull.frozenHeadSha ?? mergeCommitSha;
    pull.merged = true;
    pull.mergedAt = now;
    pull.mergedBy = actor;
    pull.mergeCommitSha = mergeCommitSha;
    pull.autoMerge = null;
    issue.state = 'closed';
    issue.closedAt = now;
    issue.closedBy = actor;
    issue.updatedAt = now;
  }

  headShaWhileOpen(repo: Repo, pull: PullRecord): string | undefined {
    return this.branchHead(repo, pull.headRef);
  }

  pullHeadSha(repo: Repo, issue: IssueRecord): string {
    const pull = issue.pull as PullRecord;
    if (issue.state === 'open') return this.headShaWhileOpen(repo, pull) ?? pull.frozenHeadSha ?? '';
    return pull.frozenHeadSha ?? this.headShaWhileOpen(repo, pull) ?? '';
  }

  commitFiles(
    repo: Repo,
    branch: string,
    files: Record<string, FileInput>,
    options: { message?: string; author?: Account; force?: boolean } = {},
  ): string {
    const author = options.author ?? this.account('octocat');
    const parent = this.branchHead(repo, branch) ?? (this.branchHead(repo, repo.defaultBranch) as string);
    const parentCommit = repo.store.commit(parent);
    const tree = this.applyFiles(repo, parentCommit?.tree, files);
    const signature = this.signature(author);
    const sha = repo.store.putCommit({
      tree,
      parents: [parent],
      author: signature,
      committer: signature,
      message: options.message ?? `Update ${Object.keys(files).join(', ')}`,
    });
    this.setRef(repo, `refs/heads/${branch}`, sha, author);
    return sha;
  }

  // ---- statuses ----------------------------------------------------------------------------

  latestStatuses(repo: Repo, sha: string): Map<string, StatusRecord> {
    const latest = new Map<string, StatusRecord>();
    for (const status of repo.statuses.get(sha) ?? []) latest.set(status.context, status);
    return latest;
  }

  combinedState(repo: Repo, sha: string): StatusState {
    const latest = [...this.latestStatuses(repo, sha).values()];
    if (latest.some((status) => status.state === 'error' || status.state === 'failure')) return 'failure';
    if (latest.length === 0 || latest.some((status) => status.state === 'pending')) return 'pending';
    return 'success';
  }

  addStatus(
    repo: Repo,
    sha: string,
    input: Omit<StatusRecord, 'id' | 'nodeId' | 'sha' | 'createdAt'>,
  ): StatusRecord {
    const id = this.newId();
    const status: StatusRecord = {
      ...input,
      id,
      nodeId: this.nodeId('SC', id),
      sha,
      createdAt: this.clock.now(),
    };
    const list = repo.statuses.get(sha) ?? [];
    list.push(status);
    repo.statuses.set(sha, list);
    this.settle(repo);
    return status;
  }

  // ---- pull requests -------------------------------------------------------------------------

  mergeability(repo: Repo, issue: IssueRecord): Mergeability {
    const pull = issue.pull as PullRecord;
    if (issue.state !== 'open')
      return { mergeable: null, state: 'unknown', conflicts: [], missingChecks: [] };
    const head = this.headShaWhileOpen(repo, pull);
    const base = this.branchHead(repo, pull.baseRef);
    if (!head || !base) return { mergeable: null, state: 'unknown', conflicts: [], missingChecks: [] };
    let conflicts: string[] = [];
    if (!repo.store.isAncestor(base, head)) {
      const mergeBase = repo.store.mergeBase(base, head);
      const baseTree = mergeBase ? repo.store.commit(mergeBase)?.tree : undefined;
      conflicts = repo.store.merge3(
        baseTree,
        repo.store.commit(base)?.tree as string,
        repo.store.commit(head)?.tree as string,
      ).conflicts;
    }
    if (conflicts.length > 0) return { mergeable: false, state: 'dirty', conflicts, missingChecks: [] };
    const latest = this.latestStatuses(repo, head);
    const missingChecks = (repo.requiredChecks.get(pull.baseRef) ?? []).filter(
      (context) => latest.get(context)?.state !== 'success',
    );
    if (pull.draft) return { mergeable: true, state: 'draft', conflicts, missingChecks };
    if (missingChecks.length > 0) return { mergeable: true, state: 'blocked', conflicts, missingChecks };
    return { mergeable: true, state: 'clean', conflicts, missingChecks };
  }

  /**
   * Mergeability as `GET /pulls/{n}` reports it: after a change to head or base, the first
   * `mergeabilityUnknownReads` reads answer `null`/`unknown`, as GitHub does while it computes.
   */
  reportedMergeability(repo: Repo, issue: IssueRecord, consumeRead: boolean): Mergeability {
    const pull = issue.pull as PullRecord;
    const key = `${this.headShaWhileOpen(repo, pull)}:${this.branchHead(repo, pull.baseRef)}`;
    if (key !== pull.mergeabilityKey) {
      pull.mergeabilityKey = key;
      pull.unknownReadsLeft = this.options.mergeabilityUnknownReads;
    }
    if (issue.state === 'open' && pull.unknownReadsLeft > 0) {
      if (consumeRead) pull.unknownReadsLeft -= 1;
      return { mergeable: null, state: 'unknown', conflicts: [], missingChecks: [] };
    }
    return this.mergeability(repo, issue);
  }

  isMethodAllowed(repo: Repo, method: MergeMethod): boolean {
    if (method === 'merge') return repo.settings.allowMergeCommit;
    if (method === 'squash') return repo.settings.allowSquashMerge;
    return repo.settings.allowRebaseMerge;
  }

  /** Merges like `PUT /pulls/{n}/merge`; throws the HttpError GitHub would answer with. */
  merge(
    repo: Repo,
    issue: IssueRecord,
    actor: Account,
    input: { method: MergeMethod; sha?: string; commitTitle?: string; commitMessage?: string },
  ): string {
    const pull = issue.pull as PullRecord;
    if (issue.state !== 'open') throw new HttpError(405, 'Pull Request is not mergeable');
    const head = this.headShaWhileOpen(repo, pull);
    const base = this.branchHead(repo, pull.baseRef);
    if (!head || !base) throw new HttpError(405, 'Pull Request is not mergeable');
    if (input.sha !== undefined && input.sha !== head) {
      throw new HttpError(409, 'Head branch was modified. Review and try the merge again.');
    }
    if (!this.isMethodAllowed(repo, input.method)) {
      const what = { merge: 'Merge commits', squash: 'Squash merges', rebase: 'Rebase merges' }[input.method];
      throw new HttpError(405, `${what} are not allowed on this repository.`);
    }
    const status = this.mergeability(repo, issue);
    if (status.state === 'draft') throw new HttpError(405, 'Pull Request is still a draft');
    if (status.state === 'dirty') throw new HttpError(405, 'Pull Request is not mergeable');
    if (status.state === 'blocked') {
      throw new HttpError(405, `Required status check "${status.missingChecks[0]}" is expected.`);
    }
    const store = repo.store;
    const baseCommit = store.commit(base);
    const headCommit = store.commit(head);
    if (!baseCommit || !headCommit) throw new HttpError(405, 'Pull Request is not mergeable');
    const mergeBase = store.mergeBase(base, head);
    const merged = store.merge3(
      mergeBase ? store.commit(mergeBase)?.tree : undefined,
      baseCommit.tree,
      headCommit.tree,
    );
    if (merged.conflicts.length > 0) throw new HttpError(405, 'Pull Request is not mergeable');
    const committer = this.signature(GITHUB_COMMITTER);
    const author = this.signature(actor);
    let result: string;
    if (input.method === 'merge') {
      const title =
        input.commitTitle ?? `Merge pull request #${issue.number} from ${repo.owner.login}/${pull.headRef}`;
      const message = input.commitMessage ?? issue.title;
      result = store.putCommit({
        tree: merged.tree,
        parents: [base, head],
        author,
        committer,
        message: `${title}\n\n${message}`,
      });
    } else if (input.method === 'squash') {
      const title = input.commitTitle ?? `${issue.title} (#${issue.number})`;
      const message =
        input.commitMessage ??
        store
          .commitsBetween(base, head)
          .map((sha) => `* ${store.commit(sha)?.message ?? ''}`)
          .join('\n\n');
      result = store.putCommit({
        tree: merged.tree,
        parents: [base],
        author,
        committer,
        message: `${title}\n\n${message}`,
      });
    } else {
      result = this.rebase(repo, base, head, committer);
    }
    this.markMerged(issue, pull, result, actor);
    pull.frozenHeadSha = head;
    this.setRef(repo, `refs/heads/${pull.baseRef}`, result, actor);
    if (repo.settings.deleteBranchOnMerge) this.deleteRef(repo, `refs/heads/${pull.headRef}`, actor);
    return result;
  }

  /** Replays `head`'s commits (each as its diff against its first parent) onto `base`. */
  private rebase(repo: Repo, base: string, head: string, committer: Signature): string {
    const store = repo.store;
    let current = base;
    for (const sha of store.commitsBetween(base, head)) {
      const commit = store.commit(sha) as NonNullable<ReturnType<ObjectStore['commit']>>;
      const parentTree = commit.parents[0] ? store.commit(commit.parents[0])?.tree : undefined;
      const files = store.flatten(store.commit(current)?.tree as string);
      for (const change of store.diff(parentTree, commit.tree)) {
        const present = files.get(change.path);
        const matches = (leaf: Leaf | undefined): boolean =>
          leaf?.sha === present?.sha && leaf?.mode === present?.mode;
        if (!matches(change.before) && !matches(change.after))
          throw new HttpError(405, "This branch can't be rebased");
        if (change.after) files.set(change.path, change.after);
        else files.delete(change.path);
      }
      current = store.putCommit({
        tree: store.buildTree(files),
        parents: [current],
        author: commit.author,
        committer,
        message: commit.message,
      });
    }
    return current;
  }

  /** Merges every open PR whose auto-merge is enabled and that has become mergeable. */
  settle(repo: Repo): void {
    if (this.settling) return;
    this.settling = true;
    try {
      let progressed = true;
      while (progressed) {
        progressed = false;
        for (const issue of repo.issues.values()) {
          const autoMerge = issue.pull?.autoMerge;
          if (!autoMerge || issue.state !== 'open') continue;
          if (this.mergeability(repo, issue).state !== 'clean') continue;
          try {
            this.merge(repo, issue, autoMerge.enabledBy, {
              method: autoMerge.method,
              ...(autoMerge.commitTitle !== undefined ? { commitTitle: autoMerge.commitTitle } : {}),
              ...(autoMerge.commitBody !== undefined ? { commitMessage: autoMerge.commitBody } : {}),
            });
            progressed = true;
          } catch {
            // Stays enabled; a later change may make it mergeable.
          }
        }
      }
    } finally {
      this.settling = false;
    }
  }

  /** Closes or reopens an issue or pull request, with GitHub's rules for pull requests. */
  setIssueState(
    repo: Repo,
    issue: IssueRecord,
    state: 'open' | 'closed',
    actor: Account,
    reason?: string | null,
  ): void {
    if (state === issue.state) return;
    const now = this.clock.now();
    const pull = issue.pull;
    if (pull) {
      const invalid = (message: string) =>
        new HttpError(422, 'Validation Failed', {
          errors: [{ resource: 'PullRequest', code: 'custom', message }],
        });
      if (pull.merged) throw invalid('Cannot change the state of a merged pull request');
      if (state === 'open') {
        if (!this.branchHead(repo, pull.headRef))
          throw invalid('state cannot be changed. The head branch was deleted.');
        const duplicate = [...repo.issues.values()].some(
          (other) =>
            other !== issue &&
            other.state === 'open' &&
            other.pull?.headRef === pull.headRef &&
            other.pull.baseRef === pull.baseRef,
        );
        if (duplicate)
          throw invalid(`A pull request already exists for ${repo.owner.login}:${pull.headRef}.`);
        pull.frozenHeadSha = null;
      } else {
        pull.frozenHeadSha = this.branchHead(repo, pull.headRef) ?? pull.frozenHeadSha;
        pull.autoMerge = null;
      }
    }
    issue.state = state;
    issue.updatedAt = now;
    if (state === 'closed') {
      issue.closedAt = now;
      issue.closedBy = actor;
      issue.stateReason = pull ? null : reason === 'not_planned' ? 'not_planned' : 'completed';
    } else {
      issue.closedAt = null;
      issue.closedBy = null;
      issue.stateReason = pull ? null : 'reopened';
    }
  }

  newIssue(
    repo: Repo,
    input: {
      title: string;
      body: string | null;
      user: Account;
      labels?: readonly string[];
      assignees?: readonly string[];
    },
    /** Makes the issue a pull request, opened unmerged, unreviewed and without auto-merge. */
    pull?: Pick<PullRecord, 'headRef' | 'baseRef' | 'draft' | 'maintainerCanModify'>,
  ): IssueRecord {
    const number = repo.nextNumber;
    repo.nextNumber += 1;
    const now = this.clock.now();
    const id = this.newId();
    const pullId = pull ? this.newId() : 0;
    const issue: IssueRecord = {
      number,
      id,
      nodeId: this.nodeId('I', id),
      title: input.title,
      body: input.body,
      state: 'open',
      stateReason: null,
      user: input.user,
      labels: [],
      assignees: [...(input.assignees ?? [])],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      closedBy: null,
      comments: 0,
      pull: pull
        ? {
            ...pull,
            id: pullId,
            nodeId: this.nodeId('PR', pullId),
            merged: false,
            mergedAt: null,
            mergedBy: null,
            mergeCommitSha: null,
            frozenHeadSha: null,
            requestedReviewers: [],
            requestedTeams: [],
            autoMerge: null,
            unknownReadsLeft: 0,
            mergeabilityKey: '',
          }
        : undefined,
    };
    repo.issues.set(number, issue);
    if (issue.pull) this.pullNodes.set(issue.pull.nodeId, { repo, number });
    this.addLabels(repo, issue, input.labels ?? []);
    return issue;
  }

  /** Adds labels to an issue, creating missing repository labels as GitHub does. */
  addLabels(repo: Repo, issue: IssueRecord, names: readonly string[]): void {
    for (const name of names) {
      const label = this.ensureLabel(repo, name);
      if (!issue.labels.some((existing) => existing.toLowerCase() === label.name.toLowerCase()))
        issue.labels.push(label.name);
    }
    if (names.length > 0) issue.updatedAt = this.clock.now();
  }

  ensureLabel(repo: Repo, name: string, color = 'ededed', description: string | null = null): LabelRecord {
    const key = name.toLowerCase();
    let label = repo.labels.get(key);
    if (!label) {
      const id = this.newId();
      label = { id, nodeId: this.nodeId('LA', id), name, color, description };
      repo.labels.set(key, label);
    }
    return label;
  }
}
