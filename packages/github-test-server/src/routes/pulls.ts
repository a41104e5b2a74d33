import { HttpError, validationFailed } from '../errors.ts';
import type { IssueRecord, MergeMethod, Repo } from '../model.ts';
import type { Route, RouteContext } from './context.ts';
import { noContent, ok, paginate, pullOf, repoOf, requireWrite, sortByDate } from './context.ts';

/** Pull requests: list/create/get/update, their commits and files, reviewers and merging. */

function openPullFor(repo: Repo, head: string, base: string, except?: number): IssueRecord | undefined {
  return [...repo.issues.values()].find(
    (issue) =>
      issue.pull &&
      issue.state === 'open' &&
      issue.pull.headRef === head &&
      issue.pull.baseRef === base &&
      issue.number !== except,
  );
}

/** `owner:branch` or `branch`; other owners would be forks, which the emulator does not model. */
function headBranch(context: RouteContext, repo: Repo, head: string): string {
  const colon = head.indexOf(':');
  if (colon === -1) return head;
  const owner = head.slice(0, colon);
  if (owner.toLowerCase() !== repo.owner.login.toLowerCase()) {
    throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
  }
  return head.slice(colon + 1);
}

function pullCommits(repo: Repo, issue: IssueRecord, head: string): string[] {
  const base = repo.refs.get(`refs/heads/${issue.pull?.baseRef}`);
  const mergeBase = base ? repo.store.mergeBase(base, head) : undefined;
  return repo.store.commitsBetween(mergeBase, head);
}

export const pullRoutes: Record<string, Route> = {
  'pulls/list': (context) => {
    const repo = repoOf(context);
    const state = (context.query.state as string | undefined) ?? 'open';
    const head = context.query.head as string | undefined;
    // GitHub silently ignores a `head` filter without the `owner:` prefix.
    const headFilter = head?.includes(':') ? head : undefined;
    const base = context.query.base as string | undefined;
    const pulls = [...repo.issues.values()].filter((issue) => {
      const pull = issue.pull;
      if (!pull) return false;
      if (state !== 'all' && issue.state !== state) return false;
      if (base !== undefined && pull.baseRef !== base) return false;
      if (headFilter !== undefined) {
        const [owner = '', ...branch] = headFilter.split(':');
        if (owner.toLowerCase() !== repo.owner.login.toLowerCase() || branch.join(':') !== pull.headRef)
          return false;
      }
      return true;
    });
    const sort = (context.query.sort as string | undefined) ?? 'created';
    const sorted = sortByDate(
      pulls,
      (issue) => (sort === 'updated' ? issue.updatedAt : issue.createdAt) * 1e6 + issue.number,
      context.query.direction,
      'desc',
    );
    const { page, headers } = paginate(context, sorted);
    return ok(
      page.map((issue) => context.render.pullSimple(repo, issue)),
      200,
      headers,
    );
  },

  'pulls/create': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const world = context.world;
    if (context.body.issue !== undefined)
      throw new HttpError(422, 'Converting an issue into a pull request is not emulated');
    const head = headBranch(context, repo, String(context.body.head));
    const base = String(context.body.base);
    const headSha = world.branchHead(repo, head);
    const baseSha = world.branchHead(repo, base);
    if (!baseSha) throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    if (!headSha) throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    const existing = openPullFor(repo, head, base);
    if (existing) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${repo.owner.login}:${head}.`,
        },
      ]);
    }
    if (repo.store.isAncestor(headSha, baseSha)) {
      throw validationFailed([
        { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` },
      ]);
    }
    const issue = world.newIssue(
      repo,
      { title: String(context.body.title ?? ''), body: context.body.body ?? null, user: context.actor },
      {
        headRef: head,
        baseRef: base,
        draft: context.body.draft === true,
        maintainerCanModify: context.body.maintainer_can_modify !== false,
      },
    );
    return ok(context.render.pull(repo, issue, false), 201, {
      location: `${context.render.repoUrl(repo)}/pulls/${issue.number}`,
    });
  },

  'pulls/get': (context) => {
    const repo = repoOf(context);
    return ok(context.render.pull(repo, pullOf(context, repo), true));
  },

  'pulls/update': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const world = context.world;
    const issue = pullOf(context, repo);
    const pull = issue.pull as NonNullable<IssueRecord['pull']>;
    const body = context.body as {
      title?: string;
      body?: string | null;
      state?: 'open' | 'closed';
      base?: string;
      maintainer_can_modify?: boolean;
    };
    if (body.base !== undefined && body.base !== pull.baseRef) {
      if (!world.branchHead(repo, body.base))
        throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      if (issue.state === 'open' && openPullFor(repo, pull.headRef, body.base, issue.number)) {
        throw validationFailed([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for base branch '${body.base}' and head branch '${pull.headRef}'`,
          },
        ]);
      }
      pull.baseRef = body.base;
    }
    if (body.state !== undefined) world.setIssueState(repo, issue, body.state, context.actor);
    if (body.title !== undefined) issue.title = body.title;
    if (body.body !== undefined) issue.body = body.body;
    if (body.maintainer_can_modify !== undefined) pull.maintainerCanModify = body.maintainer_can_modify;
    issue.updatedAt = world.clock.now();
    world.settle(repo);
    return ok(context.render.pull(repo, issue, false));
  },

  'pulls/list-commits': (context) => {
    const repo = repoOf(context);
    const issue = pullOf(context, repo);
    const head = context.world.pullHeadSha(repo, issue);
    const { page, headers } = paginate(context, head ? pullCommits(repo, issue, head) : []);
    return ok(
      page.map((sha) => context.render.commit(repo, sha)),
      200,
      headers,
    );
  },

  'pulls/list-files': (context) => {
    const repo = repoOf(context);
    const issue = pullOf(context, repo);
    const store = repo.store;
    const head = context.world.pullHeadSha(repo, issue);
    const base = context.world.branchHead(repo, issue.pull?.baseRef ?? '');
    const mergeBase = base ? store.mergeBase(base, head) : undefined;
    const changes = store.diff(
      mergeBase ? store.commit(mergeBase)?.tree : undefined,
      store.commit(head)?.tree as string,
    );
    const { page, headers } = paginate(context, changes);
    return ok(
      page.map((change) => context.render.diffEntry(repo, head, change)),
      200,
      headers,
    );
  },

  'pulls/check-if-merged': (context) => {
    const repo = repoOf(context);
    const issue = pullOf(context, repo);
    if (!issue.pull?.merged) throw new HttpError(404, 'Not Found');
    return noContent();
  },

  'pulls/merge': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const issue = pullOf(context, repo);
    const body = (context.body ?? {}) as {
      merge_method?: MergeMethod;
      sha?: string;
      commit_title?: string;
      commit_message?: string;
    };
    const sha = context.world.merge(repo, issue, context.actor, {
      method: body.merge_method ?? 'merge',
      ...(body.sha !== undefined ? { sha: body.sha } : {}),
      ...(body.commit_title !== undefined ? { commitTitle: body.commit_title } : {}),
      ...(body.commit_message !== undefined ? { commitMessage: body.commit_message } : {}),
    });
    return ok({ sha, merged: true, message: 'Pull Request successfully merged' });
  },

  'pulls/list-requested-reviewers': (context) => {
    const repo = repoOf(context);
    const pull = pullOf(context, repo).pull as NonNullable<IssueRecord['pull']>;
    return ok({
      users: pull.requestedReviewers.map((login) => context.render.user(context.world.account(login))),
      teams: pull.requestedTeams.map((slug) => context.render.team(repo, slug)),
    });
  },

  'pulls/request-reviewers': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const issue = pullOf(context, repo);
    const pull = issue.pull as NonNullable<IssueRecord['pull']>;
    const reviewers = (context.body.reviewers ?? []) as string[];
    const teams = (context.body.team_reviewers ?? []) as string[];
    if (reviewers.length === 0 && teams.length === 0) {
      throw new HttpError(422, 'Invalid request.\n\nNo subschema in "anyOf" matched.');
    }
    if (reviewers.some((login) => login.toLowerCase() === issue.user.login.toLowerCase())) {
      throw new HttpError(422, 'Review cannot be requested from pull request author.');
    }
    for (const login of reviewers) {
      const account = context.world.account(login);
      if (!pull.requestedReviewers.includes(account.login)) pull.requestedReviewers.push(account.login);
    }
    for (const slug of teams) if (!pull.requestedTeams.includes(slug)) pull.requestedTeams.push(slug);
    issue.updatedAt = context.world.clock.now();
    return ok(context.render.pullSimple(repo, issue), 201);
  },
};
