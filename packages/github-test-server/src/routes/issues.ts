import { HttpError, notFound, validationFailed } from '../errors.ts';
import type { CommentRecord, Repo } from '../model.ts';
import type { Route, RouteContext } from './context.ts';
import { issueOf, noContent, ok, paginate, repoOf, requireWrite, sortByDate } from './context.ts';

/** Issues (which include pull requests, as on GitHub), comments and labels. */

function commentOf(context: RouteContext, repo: Repo): CommentRecord {
  const comment = repo.comments.get(Number(context.params.comment_id));
  if (!comment) throw notFound();
  return comment;
}

function labelNames(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  return input.map((label) =>
    typeof label === 'string' ? label : String((label as { name?: string }).name ?? ''),
  );
}

export const issueRoutes: Record<string, Route> = {
  'issues/list-for-repo': (context) => {
    const repo = repoOf(context);
    const state = (context.query.state as string | undefined) ?? 'open';
    const labels =
      typeof context.query.labels === 'string' && context.query.labels !== ''
        ? context.query.labels.split(',')
        : [];
    const creator = context.query.creator as string | undefined;
    const assignee = context.query.assignee as string | undefined;
    const since = typeof context.query.since === 'string' ? Date.parse(context.query.since) : undefined;
    const issues = [...repo.issues.values()].filter((issue) => {
      if (state !== 'all' && issue.state !== state) return false;
      const names = issue.labels.map((name) => name.toLowerCase());
      if (!labels.every((label) => names.includes(label.trim().toLowerCase()))) return false;
      if (creator !== undefined && issue.user.login.toLowerCase() !== creator.toLowerCase()) return false;
      if (assignee === 'none' && issue.assignees.length > 0) return false;
      if (assignee === '*' && issue.assignees.length === 0) return false;
      if (
        assignee !== undefined &&
        assignee !== 'none' &&
        assignee !== '*' &&
        !issue.assignees.includes(assignee)
      )
        return false;
      if (since !== undefined && issue.updatedAt < since) return false;
      return true;
    });
    const sort = (context.query.sort as string | undefined) ?? 'created';
    const sorted = sortByDate(
      issues,
      (issue) =>
        (sort === 'updated' ? issue.updatedAt : sort === 'comments' ? issue.comments : issue.createdAt) *
          1e6 +
        issue.number,
      context.query.direction,
      'desc',
    );
    const { page, headers } = paginate(context, sorted);
    return ok(
      page.map((issue) => context.render.issue(repo, issue)),
      200,
      headers,
    );
  },

  'issues/create': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const title = context.body.title;
    if (title === '' || title === null)
      throw validationFailed([{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
    const issue = context.world.newIssue(repo, {
      title: String(title),
      body: context.body.body ?? null,
      user: context.actor,
      labels: labelNames(context.body.labels),
      assignees: [
        ...((context.body.assignees as string[] | undefined) ?? []),
        ...(context.body.assignee ? [context.body.assignee] : []),
      ],
    });
    return ok(context.render.issue(repo, issue), 201, {
      location: `${context.render.repoUrl(repo)}/issues/${issue.number}`,
    });
  },

  'issues/get': (context) => {
    const repo = repoOf(context);
    return ok(context.render.issue(repo, issueOf(context, repo)));
  },

  'issues/update': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const issue = issueOf(context, repo);
    const body = context.body as {
      title?: string | number | null;
      body?: string | null;
      state?: 'open' | 'closed';
      state_reason?: string | null;
      labels?: unknown[];
      assignees?: string[];
    };
    if (body.title !== undefined && body.title !== null) issue.title = String(body.title);
    if (body.body !== undefined) issue.body = body.body;
    if (body.state !== undefined)
      context.world.setIssueState(repo, issue, body.state, context.actor, body.state_reason);
    if (body.labels !== undefined) {
      issue.labels = [];
      context.world.addLabels(repo, issue, labelNames(body.labels));
    }
    if (body.assignees !== undefined) issue.assignees = [...body.assignees];
    issue.updatedAt = context.world.clock.now();
    return ok(context.render.issue(repo, issue));
  },

  'issues/list-comments': (context) => {
    const repo = repoOf(context);
    const issue = issueOf(context, repo);
    const since = typeof context.query.since === 'string' ? Date.parse(context.query.since) : undefined;
    const comments = [...repo.comments.values()].filter(
      (comment) =>
        comment.issueNumber === issue.number && (since === undefined || comment.updatedAt >= since),
    );
    const { page, headers } = paginate(context, comments);
    return ok(
      page.map((comment) => context.render.comment(repo, comment)),
      200,
      headers,
    );
  },

  'issues/create-comment': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const issue = issueOf(context, repo);
    const now = context.world.clock.now();
    const id = context.world.newId();
    const comment: CommentRecord = {
      id,
      nodeId: context.world.nodeId('IC', id),
      issueNumber: issue.number,
      body: String(context.body.body),
      user: context.actor,
      createdAt: now,
      updatedAt: now,
    };
    repo.comments.set(id, comment);
    issue.comments += 1;
    issue.updatedAt = now;
    return ok(context.render.comment(repo, comment), 201, {
      location: `${context.render.repoUrl(repo)}/issues/comments/${id}`,
    });
  },

  'issues/get-comment': (context) => {
    const repo = repoOf(context);
    return ok(context.render.comment(repo, commentOf(context, repo)));
  },

  'issues/update-comment': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const comment = commentOf(context, repo);
    comment.body = String(context.body.body);
    comment.updatedAt = context.world.clock.now();
    return ok(context.render.comment(repo, comment));
  },

  'issues/delete-comment': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const comment = commentOf(context, repo);
    repo.comments.delete(comment.id);
    const issue = repo.issues.get(comment.issueNumber);
    if (issue) issue.comments -= 1;
    return noContent();
  },

  'issues/list-labels-on-issue': (context) => {
    const repo = repoOf(context);
    const { page, headers } = paginate(context, context.render.issueLabels(repo, issueOf(context, repo)));
    return ok(page, 200, headers);
  },

  'issues/add-labels': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const issue = issueOf(context, repo);
    const body = context.body as { labels?: unknown[] } | unknown[] | undefined;
    const names = Array.isArray(body) ? labelNames(body) : labelNames(body?.labels);
    context.world.addLabels(repo, issue, names);
    return ok(context.render.issueLabels(repo, issue));
  },

  'issues/set-labels': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const issue = issueOf(context, repo);
    const body = context.body as { labels?: unknown[] } | unknown[] | undefined;
    issue.labels = [];
    context.world.addLabels(repo, issue, Array.isArray(body) ? labelNames(body) : labelNames(body?.labels));
    return ok(context.render.issueLabels(repo, issue));
  },

  'issues/remove-label': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const issue = issueOf(context, repo);
    const name = String(context.params.name).toLowerCase();
    if (!issue.labels.some((label) => label.toLowerCase() === name))
      throw new HttpError(404, 'Label does not exist');
    issue.labels = issue.labels.filter((label) => label.toLowerCase() !== name);
    issue.updatedAt = context.world.clock.now();
    return ok(context.render.issueLabels(repo, issue));
  },

  'issues/list-labels-for-repo': (context) => {
    const repo = repoOf(context);
    const { page, headers } = paginate(
      context,
      [...repo.labels.values()].map((label) => context.render.label(repo, label)),
    );
    return ok(page, 200, headers);
  },

  'issues/create-label': (context) => {
    requireWrite(context);
    const repo = repoOf(context);
    const name = String(context.body.name);
    if (repo.labels.has(name.toLowerCase())) {
      throw validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    }
    const label = context.world.ensureLabel(
      repo,
      name,
      context.body.color ?? 'ededed',
      context.body.description ?? null,
    );
    return ok(context.render.label(repo, label), 201);
  },

  'issues/get-label': (context) => {
    const repo = repoOf(context);
    const label = repo.labels.get(String(context.params.name).toLowerCase());
    if (!label) throw notFound();
    return ok(context.render.label(repo, label));
  },
};
