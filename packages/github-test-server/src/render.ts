import { isoSeconds } from './clock.ts';
import type { CommitObject, TreeChange } from './git.ts';
import type {
  Account,
  CommentRecord,
  IssueRecord,
  LabelRecord,
  PullRecord,
  Repo,
  StatusRecord,
  World,
} from './model.ts';

/**
 * GitHub-shaped JSON for the emulator's records. Every shape here is checked against the
 * official schema on each response, so a missing required field shows up as a violation.
 */

export interface Urls {
  /** REST root, e.g. `http://127.0.0.1:1234` (or `.../api/v3` for GitHub Enterprise Server). */
  readonly api: string;
  /** Web root for `html_url`s. */
  readonly web: string;
}

export class Renderer {
  constructor(
    private readonly world: World,
    private readonly urls: Urls,
  ) {}

  get api(): string {
    return this.urls.api;
  }

  user(account: Account): Record<string, unknown> {
    // GitHub percent-encodes bot logins in URLs: `dependabot%5Bbot%5D`.
    const login = encodeURIComponent(account.login);
    const api = `${this.urls.api}/users/${login}`;
    return {
      login: account.login,
      id: account.id,
      node_id: account.nodeId,
      avatar_url: `${this.urls.web}/avatars/${login}`,
      gravatar_id: '',
      url: api,
      html_url: `${this.urls.web}/${login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: account.type,
      site_admin: false,
      user_view_type: 'public',
    };
  }

  repoUrl(repo: Repo): string {
    return `${this.urls.api}/repos/${repo.fullName}`;
  }

  webRepoUrl(repo: Repo): string {
    return `${this.urls.web}/${repo.fullName}`;
  }

  repository(repo: Repo, permissions?: Record<string, boolean>): Record<string, unknown> {
    const url = this.repoUrl(repo);
    const html = `${this.urls.web}/${repo.fullName}`;
    const openIssues = [...repo.issues.values()].filter((issue) => issue.state === 'open').length;
    return {
      id: repo.id,
      node_id: repo.nodeId,
      name: repo.name,
      full_name: repo.fullName,
      owner: this.user(repo.owner),
      private: repo.settings.private,
      html_url: html,
      description: null,
      fork: false,
      url,
      archive_url: `${url}/{archive_format}{/ref}`,
      assignees_url: `${url}/assignees{/user}`,
      blobs_url: `${url}/git/blobs{/sha}`,
      branches_url: `${url}/branches{/branch}`,
      collaborators_url: `${url}/collaborators{/collaborator}`,
      comments_url: `${url}/comments{/number}`,
      commits_url: `${url}/commits{/sha}`,
      compare_url: `${url}/compare/{base}...{head}`,
      contents_url: `${url}/contents/{+path}`,
      contributors_url: `${url}/contributors`,
      deployments_url: `${url}/deployments`,
      downloads_url: `${url}/downloads`,
      events_url: `${url}/events`,
      forks_url: `${url}/forks`,
      git_commits_url: `${url}/git/commits{/sha}`,
      git_refs_url: `${url}/git/refs{/sha}`,
      git_tags_url: `${url}/git/tags{/sha}`,
      git_url: `git://127.0.0.1/${repo.fullName}.git`,
      issue_comment_url: `${url}/issues/comments{/number}`,
      issue_events_url: `${url}/issues/events{/number}`,
      issues_url: `${url}/issues{/number}`,
      keys_url: `${url}/keys{/key_id}`,
      labels_url: `${url}/labels{/name}`,
      languages_url: `${url}/languages`,
      merges_url: `${url}/merges`,
      milestones_url: `${url}/milestones{/number}`,
      notifications_url: `${url}/notifications{?since,all,participating}`,
      pulls_url: `${url}/pulls{/number}`,
      releases_url: `${url}/releases{/id}`,
      ssh_url: `git@127.0.0.1:${repo.fullName}.git`,
      stargazers_url: `${url}/stargazers`,
      statuses_url: `${url}/statuses/{sha}`,
      subscribers_url: `${url}/subscribers`,
      subscription_url: `${url}/subscription`,
      tags_url: `${url}/tags`,
      teams_url: `${url}/teams`,
      trees_url: `${url}/git/trees{/sha}`,
      clone_url: `${html}.git`,
      mirror_url: null,
      hooks_url: `${url}/hooks`,
      svn_url: html,
      homepage: null,
      language: null,
      forks_count: 0,
      forks: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 1,
      default_branch: repo.defaultBranch,
      open_issues_count: openIssues,
      open_issues: openIssues,
      is_template: false,
      topics: [...repo.settings.topics],
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: false,
      has_discussions: false,
      archived: repo.settings.archived,
      disabled: false,
      visibility: repo.settings.private ? 'private' : 'public',
      pushed_at: isoSeconds(repo.pushedAt),
      created_at: isoSeconds(repo.createdAt),
      updated_at: isoSeconds(repo.updatedAt),
      ...(permissions ? { permissions } : {}),
      allow_rebase_merge: repo.settings.allowRebaseMerge,
      allow_squash_merge: repo.settings.allowSquashMerge,
      allow_merge_commit: repo.settings.allowMergeCommit,
      allow_auto_merge: repo.settings.allowAutoMerge,
      delete_branch_on_merge: repo.settings.deleteBranchOnMerge,
      allow_forking: false,
      web_commit_signoff_required: false,
      license: null,
    };
  }

  fullRepository(repo: Repo, permissions: Record<string, boolean>): Record<string, unknown> {
    return {
      ...this.repository(repo, permissions),
      network_count: 0,
      subscribers_count: 0,
      allow_update_branch: false,
      use_squash_pr_title_as_default: false,
      squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
      squash_merge_commit_message: 'COMMIT_MESSAGES',
      merge_commit_title: 'MERGE_MESSAGE',
      merge_commit_message: 'PR_TITLE',
      ...(repo.owner.type === 'Organization' ? { organization: this.user(repo.owner) } : {}),
    };
  }

  gitRef(repo: Repo, ref: string, sha: string): Record<string, unknown> {
    return {
      ref,
      node_id: this.world.nodeId('REF', hashCode(`${repo.id}:${ref}`)),
      url: `${this.repoUrl(repo)}/git/${ref}`,
      object: { type: 'commit', sha, url: `${this.repoUrl(repo)}/git/commits/${sha}` },
    };
  }

  gitCommit(repo: Repo, sha: string, commit: CommitObject): Record<string, unknown> {
    const url = this.repoUrl(repo);
    const signature = (who: CommitObject['author']) => ({ name: who.name, email: who.email, date: who.date });
    return {
      sha,
      node_id: this.world.nodeId('C', hashCode(sha)),
      url: `${url}/git/commits/${sha}`,
      html_url: `${this.urls.web}/${repo.fullName}/commit/${sha}`,
      author: signature(commit.author),
      committer: signature(commit.committer),
      tree: { sha: commit.tree, url: `${url}/git/trees/${commit.tree}` },
      message: commit.message,
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: `${url}/git/commits/${parent}`,
        html_url: `${this.urls.web}/${repo.fullName}/commit/${parent}`,
      })),
      verification: this.verification(repo, sha),
    };
  }

  /** Signed by GitHub (`web-flow`), or unsigned; the signature text itself is not emulated. */
  private verification(repo: Repo, sha: string): Record<string, unknown> {
    const signed = repo.store.isSigned(sha);
    return {
      verified: signed,
      reason: signed ? 'valid' : 'unsigned',
      signature: null,
      payload: null,
      verified_at: signed ? (repo.store.commit(sha)?.committer.date ?? null) : null,
    };
  }

  /** The `commit` schema (repos/get-commit, compare, branches): git data plus linked accounts. */
  commit(repo: Repo, sha: string, options: { files?: readonly TreeChange[] } = {}): Record<string, unknown> {
    const commit = repo.store.commit(sha) as CommitObject;
    const url = this.repoUrl(repo);
    const author = this.world.accountByEmail(commit.author.email);
    const committer = this.world.accountByEmail(commit.committer.email);
    const files = options.files?.map((change) => this.diffEntry(repo, sha, change));
    const rendered: Record<string, unknown> = {
      url: `${url}/commits/${sha}`,
      sha,
      node_id: this.world.nodeId('C', hashCode(sha)),
      html_url: `${this.urls.web}/${repo.fullName}/commit/${sha}`,
      comments_url: `${url}/commits/${sha}/comments`,
      commit: {
        url: `${url}/git/commits/${sha}`,
        author: { name: commit.author.name, email: commit.author.email, date: commit.author.date },
        committer: {
          name: commit.committer.name,
          email: commit.committer.email,
          date: commit.committer.date,
        },
        message: commit.message,
        comment_count: 0,
        tree: { sha: commit.tree, url: `${url}/git/trees/${commit.tree}` },
        verification: this.verification(repo, sha),
      },
      author: author ? this.user(author) : null,
      committer: committer ? this.user(committer) : null,
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: `${url}/commits/${parent}`,
        html_url: `${this.urls.web}/${repo.fullName}/commit/${parent}`,
      })),
    };
    if (files) {
      const additions = files.reduce((sum, file) => sum + (file.additions as number), 0);
      const deletions = files.reduce((sum, file) => sum + (file.deletions as number), 0);
      rendered.stats = { additions, deletions, total: additions + deletions };
      rendered.files = files;
    }
    return rendered;
  }

  diffEntry(repo: Repo, ref: string, change: TreeChange): Record<string, unknown> {
    const before =
      change.before?.type === 'blob' ? repo.store.blob(change.before.sha)?.toString('utf8') : undefined;
    const after =
      change.after?.type === 'blob' ? repo.store.blob(change.after.sha)?.toString('utf8') : undefined;
    const { additions, deletions } = lineCounts(before ?? '', after ?? '');
    const encodedPath = change.path.split('/').map(encodeURIComponent).join('/');
    return {
      sha: change.after?.sha ?? change.before?.sha ?? null,
      filename: change.path,
      status: change.status,
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${this.urls.web}/${repo.fullName}/blob/${ref}/${encodedPath}`,
      raw_url: `${this.urls.web}/${repo.fullName}/raw/${ref}/${encodedPath}`,
      contents_url: `${this.repoUrl(repo)}/contents/${encodedPath}?ref=${ref}`,
    };
  }

  label(repo: Repo, label: LabelRecord): Record<string, unknown> {
    return {
      id: label.id,
      node_id: label.nodeId,
      url: `${this.repoUrl(repo)}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color,
      description: label.description,
      default: false,
    };
  }

  issueLabels(repo: Repo, issue: IssueRecord): Record<string, unknown>[] {
    return issue.labels.flatMap((name) => {
      const label = repo.labels.get(name.toLowerCase());
      return label ? [this.label(repo, label)] : [];
    });
  }

  issue(repo: Repo, issue: IssueRecord): Record<string, unknown> {
    const url = `${this.repoUrl(repo)}/issues/${issue.number}`;
    const pull = issue.pull;
    const assignees = issue.assignees.map((login) => this.user(this.world.account(login)));
    return {
      id: issue.id,
      node_id: issue.nodeId,
      url,
      repository_url: this.repoUrl(repo),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${this.urls.web}/${repo.fullName}/${pull ? 'pull' : 'issues'}/${issue.number}`,
      number: issue.number,
      state: issue.state,
      state_reason: issue.stateReason,
      title: issue.title,
      body: issue.body,
      user: this.user(issue.user),
      labels: this.issueLabels(repo, issue),
      assignee: assignees[0] ?? null,
      assignees,
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: issue.comments,
      ...(pull
        ? {
            pull_request: {
              url: `${this.repoUrl(repo)}/pulls/${issue.number}`,
              html_url: `${this.urls.web}/${repo.fullName}/pull/${issue.number}`,
              diff_url: `${this.urls.web}/${repo.fullName}/pull/${issue.number}.diff`,
              patch_url: `${this.urls.web}/${repo.fullName}/pull/${issue.number}.patch`,
              merged_at: pull.mergedAt === null ? null : isoSeconds(pull.mergedAt),
            },
            draft: pull.draft,
          }
        : {}),
      closed_at: issue.closedAt === null ? null : isoSeconds(issue.closedAt),
      created_at: isoSeconds(issue.createdAt),
      updated_at: isoSeconds(issue.updatedAt),
      closed_by: issue.closedBy ? this.user(issue.closedBy) : null,
      author_association: 'CONTRIBUTOR',
    };
  }

  comment(repo: Repo, comment: CommentRecord): Record<string, unknown> {
    const issue = repo.issues.get(comment.issueNumber);
    return {
      id: comment.id,
      node_id: comment.nodeId,
      url: `${this.repoUrl(repo)}/issues/comments/${comment.id}`,
      html_url: `${this.urls.web}/${repo.fullName}/${issue?.pull ? 'pull' : 'issues'}/${comment.issueNumber}#issuecomment-${comment.id}`,
      body: comment.body,
      user: this.user(comment.user),
      created_at: isoSeconds(comment.createdAt),
      updated_at: isoSeconds(comment.updatedAt),
      issue_url: `${this.repoUrl(repo)}/issues/${comment.issueNumber}`,
      author_association: 'CONTRIBUTOR',
    };
  }

  private pullBase(repo: Repo, issue: IssueRecord): Record<string, unknown> {
    const pull = issue.pull as PullRecord;
    const url = `${this.repoUrl(repo)}/pulls/${issue.number}`;
    const html = `${this.urls.web}/${repo.fullName}/pull/${issue.number}`;
    const headSha = this.world.pullHeadSha(repo, issue);
    const baseSha = this.world.branchHead(repo, pull.baseRef) ?? '';
    const repository = this.repository(repo);
    const owner = this.user(repo.owner);
    return {
      url,
      id: pull.id,
      node_id: pull.nodeId,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${this.repoUrl(repo)}/issues/${issue.number}`,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${this.repoUrl(repo)}/pulls/comments{/number}`,
      comments_url: `${this.repoUrl(repo)}/issues/${issue.number}/comments`,
      statuses_url: `${this.repoUrl(repo)}/statuses/${headSha}`,
      number: issue.number,
      state: issue.state,
      locked: false,
      title: issue.title,
      user: this.user(issue.user),
      body: issue.body,
      // The pull request schemas declare label descriptions as non-nullable strings.
      labels: this.issueLabels(repo, issue).map((label) => ({
        ...label,
        description: label.description ?? '',
      })),
      milestone: null,
      active_lock_reason: null,
      created_at: isoSeconds(issue.createdAt),
      updated_at: isoSeconds(issue.updatedAt),
      closed_at: issue.closedAt === null ? null : isoSeconds(issue.closedAt),
      merged_at: pull.mergedAt === null ? null : isoSeconds(pull.mergedAt),
      merge_commit_sha: pull.mergeCommitSha,
      assignee: issue.assignees[0] ? this.user(this.world.account(issue.assignees[0])) : null,
      assignees: issue.assignees.map((login) => this.user(this.world.account(login))),
      requested_reviewers: pull.requestedReviewers.map((login) => this.user(this.world.account(login))),
      requested_teams: pull.requestedTeams.map((slug) => this.team(repo, slug)),
      head: {
        label: `${repo.owner.login}:${pull.headRef}`,
        ref: pull.headRef,
        sha: headSha,
        user: owner,
        repo: repository,
      },
      base: {
        label: `${repo.owner.login}:${pull.baseRef}`,
        ref: pull.baseRef,
        sha: baseSha,
        user: owner,
        repo: repository,
      },
      _links: {
        self: { href: url },
        html: { href: html },
        issue: { href: `${this.repoUrl(repo)}/issues/${issue.number}` },
        comments: { href: `${this.repoUrl(repo)}/issues/${issue.number}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: `${this.repoUrl(repo)}/pulls/comments{/number}` },
        commits: { href: `${url}/commits` },
        statuses: { href: `${this.repoUrl(repo)}/statuses/${headSha}` },
      },
      author_association: 'CONTRIBUTOR',
      auto_merge: pull.autoMerge
        ? {
            enabled_by: this.user(pull.autoMerge.enabledBy),
            merge_method: pull.autoMerge.method,
            commit_title: pull.autoMerge.commitTitle ?? '',
            commit_message: pull.autoMerge.commitBody ?? '',
          }
        : null,
      draft: pull.draft,
    };
  }

  team(repo: Repo, slug: string): Record<string, unknown> {
    const id = hashCode(`${repo.owner.login}/${slug}`);
    const url = `${this.urls.api}/organizations/${repo.owner.id}/team/${id}`;
    return {
      id,
      node_id: this.world.nodeId('T', id),
      url,
      html_url: `${this.urls.web}/orgs/${repo.owner.login}/teams/${slug}`,
      name: slug,
      slug,
      description: null,
      privacy: 'closed',
      notification_setting: 'notifications_enabled',
      permission: 'push',
      members_url: `${url}/members{/member}`,
      repositories_url: `${url}/repos`,
      parent: null,
      type: 'organization',
    };
  }

  pullSimple(repo: Repo, issue: IssueRecord): Record<string, unknown> {
    return this.pullBase(repo, issue);
  }

  pull(repo: Repo, issue: IssueRecord, consumeMergeabilityRead: boolean): Record<string, unknown> {
    const pull = issue.pull as PullRecord;
    const mergeability = this.world.reportedMergeability(repo, issue, consumeMergeabilityRead);
    const head = this.world.pullHeadSha(repo, issue);
    const base = this.world.branchHead(repo, pull.baseRef);
    const store = repo.store;
    const mergeBase = base && head ? store.mergeBase(base, head) : undefined;
    const commits = head ? store.commitsBetween(mergeBase, head) : [];
    const changes =
      head && store.commit(head)
        ? store.diff(
            mergeBase ? store.commit(mergeBase)?.tree : undefined,
            store.commit(head)?.tree as string,
          )
        : [];
    let additions = 0;
    let deletions = 0;
    for (const change of changes) {
      const counts = lineCounts(
        change.before ? (store.blob(change.before.sha)?.toString('utf8') ?? '') : '',
        change.after ? (store.blob(change.after.sha)?.toString('utf8') ?? '') : '',
      );
      additions += counts.additions;
      deletions += counts.deletions;
    }
    const comments = issue.comments;
    return {
      ...this.pullBase(repo, issue),
      merged: pull.merged,
      mergeable: mergeability.mergeable,
      rebaseable: mergeability.mergeable,
      mergeable_state: mergeability.state,
      merged_by: pull.mergedBy ? this.user(pull.mergedBy) : null,
      comments,
      review_comments: 0,
      maintainer_can_modify: pull.maintainerCanModify,
      commits: commits.length,
      additions,
      deletions,
      changed_files: changes.length,
    };
  }

  status(repo: Repo, status: StatusRecord): Record<string, unknown> {
    return {
      url: `${this.repoUrl(repo)}/statuses/${status.sha}`,
      avatar_url: null,
      id: status.id,
      node_id: status.nodeId,
      state: status.state,
      description: status.description,
      target_url: status.targetUrl,
      context: status.context,
      created_at: isoSeconds(status.createdAt),
      updated_at: isoSeconds(status.createdAt),
      creator: this.user(status.creator),
    };
  }
}

/** Small stable positive integer for ids of things that have no id of their own. */
export function hashCode(text: string): number {
  let hash = 7;
  for (let index = 0; index < text.length; index += 1) hash = (hash * 31 + text.charCodeAt(index)) | 0;
  return Math.abs(hash) + 1;
}

/** Added and removed line counts between two texts (longest-common-subsequence based). */
function lineCounts(before: string, after: string): { additions: number; deletions: number } {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const middleA = a.slice(start, endA);
  const middleB = b.slice(start, endB);
  if (middleA.length * middleB.length > 4_000_000)
    return { additions: middleB.length, deletions: middleA.length };
  const lcs = new Array<number>(middleB.length + 1).fill(0);
  for (const lineA of middleA) {
    let previous = 0;
    for (let j = 1; j <= middleB.length; j += 1) {
      const saved = lcs[j] as number;
      lcs[j] = lineA === middleB[j - 1] ? previous + 1 : Math.max(lcs[j] as number, lcs[j - 1] as number);
      previous = saved;
    }
  }
  const common = lcs[middleB.length] as number;
  return { additions: middleB.length - common, deletions: middleA.length - common };
}
