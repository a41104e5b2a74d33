/**
 * GitHub App events → `RepoEvent`s. Each schema lists only the fields we read (zod, checked at
 * run time: the payload types alone prove nothing about a request), and `accepting<Payload>()`
 * proves at compile time that every payload `@octokit/webhooks` describes fits the schema's
 * shape, so a field GitHub may send as `null` can't be read as a string here.
 */
import type { EmitterWebhookEvent, EmitterWebhookEventName } from '@octokit/webhooks';
import * as z from 'zod';
import {
  MAX_CHANGED_PATHS,
  type IssueEvent,
  type PullRequestEvent,
  type RepoEvent,
  type RepoPushEvent,
  type RepositoriesEvent,
} from '../../core/repo-events.ts';
import { UPDATER_ISSUE_LABEL } from '../../names.ts';
import { readTicks } from '../../core/dashboard/render.ts';
import { REPO_FULL_NAME } from '../sqs/repo-event-message.ts';
import type { IgnoredEvent } from './types.ts';

/** An event to queue, or why not. */
type GitHubEventMeaning =
  | { readonly kind: 'event'; readonly event: RepoEvent }
  | { readonly kind: 'ignored'; readonly ignored: IgnoredEvent };

type Payload<E extends EmitterWebhookEventName> = EmitterWebhookEvent<E>['payload'];

/** The schema, refused by the compiler unless every `Payload` GitHub documents fits its input. */
function accepting<P>() {
  return <S extends z.ZodType>(schema: S & ([P] extends [z.input<S>] ? unknown : never)): S => schema;
}

const name = z.string().min(1).max(256);
const fullName = z.string().regex(REPO_FULL_NAME, 'not owner/name');
const sha = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'not a commit sha');
const paths = z.array(z.string().min(1).max(4096)).max(10_000);
const repository = z.looseObject({ full_name: fullName, default_branch: z.string().min(1).max(255) });
// Absent from a few actions' payloads (`demilestoned`), per GitHub's own types.
const sender = z.looseObject({ login: name, type: z.string().max(64) }).optional();
const installation = z.looseObject({ id: z.number().int().positive() }).nullish();
// The empty list of the other direction has items whose fields are all optional, per GitHub's types.
const repositoryList = z.array(z.looseObject({ full_name: fullName.optional() })).max(10_000);

const PushSchema = accepting<Payload<'push'>>()(
  z.looseObject({
    ref: z.string().min(1).max(1024),
    before: z.string().max(64),
    after: sha,
    created: z.boolean(),
    deleted: z.boolean(),
    forced: z.boolean(),
    // GitHub's webhooks list at most 2,048 commits (the Events API 20).
    commits: z
      .array(
        z.looseObject({ added: paths.optional(), modified: paths.optional(), removed: paths.optional() }),
      )
      .max(4096),
    head_commit: z
      .looseObject({ added: paths.optional(), modified: paths.optional(), removed: paths.optional() })
      .nullish(),
    repository,
    installation,
  }),
);

const InstallationSchema = accepting<Payload<'installation'>>()(
  z.looseObject({
    action: z.string().max(64),
    installation: z.looseObject({ id: z.number().int().positive() }),
    repositories: repositoryList.optional(),
  }),
);

const InstallationRepositoriesSchema = accepting<Payload<'installation_repositories'>>()(
  z.looseObject({
    action: z.string().max(64),
    installation: z.looseObject({ id: z.number().int().positive() }),
    repositories_added: repositoryList,
    repositories_removed: repositoryList,
  }),
);

const PullRequestSchema = accepting<Payload<'pull_request'>>()(
  z.looseObject({
    action: z.string().max(64),
    number: z.number().int().positive(),
    pull_request: z.looseObject({
      merged: z.boolean().nullish(),
      merge_commit_sha: z.string().max(64).nullish(),
      // A deleted fork's PR has no head repository.
      head: z.looseObject({
        ref: z.string().min(1).max(1024),
        sha,
        repo: z.looseObject({ full_name: fullName }).nullish(),
      }),
      base: z.looseObject({ ref: z.string().min(1).max(1024) }),
    }),
    repository,
    sender,
    installation,
  }),
);

/** GitHub takes 65,536 characters; counted in UTF-16 units here, so room for any that fit there. */
const MAX_ISSUE_BODY = 262_144;
const labels = z.array(z.looseObject({ name: z.string().max(256) }).nullable()).max(1000);
const IssueSchema = accepting<Payload<'issues'> | Payload<'issue_comment'>>()(
  z.looseObject({
    action: z.string().max(64),
    issue: z.looseObject({
      number: z.number().int().positive(),
      labels: labels.optional(),
      body: z.string().max(MAX_ISSUE_BODY).nullish(),
    }),
    label: z.looseObject({ name: z.string().max(256) }).nullish(),
    // `issues` `edited`: the body before the edit, when the body changed.
    changes: z
      .looseObject({ body: z.looseObject({ from: z.string().max(MAX_ISSUE_BODY) }).optional() })
      .optional(),
    repository,
    sender,
    installation,
  }),
);

const ZERO_SHA = /^0+$/;
/** At this many commits the list may have been cut (webhooks: 2,048; the Events API: 20). */
const COMMITS_SHOWN = 20;

const INSTALLED = new Set(['created', 'unsuspend', 'new_permissions_accepted']);
const UNINSTALLED = new Set(['deleted', 'suspend']);

type Mapper = (value: unknown) => GitHubEventMeaning | z.ZodError;

const parsing =
  <S extends z.ZodType>(schema: S, map: (payload: z.output<S>) => GitHubEventMeaning): Mapper =>
  (value) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? map(parsed.data) : parsed.error;
  };

/** The events we read, by `X-GitHub-Event`; any other is acknowledged and ignored. */
export const GITHUB_EVENTS: Readonly<Record<string, Mapper>> = {
  push: parsing(PushSchema, pushEvent),
  installation: parsing(InstallationSchema, (p) => {
    const repos = names(p.repositories);
    const removed = UNINSTALLED.has(p.action);
    if (!removed && !INSTALLED.has(p.action)) return ignored('other-action', `installation ${p.action}`);
    return event<RepositoriesEvent>({
      type: 'repositories',
      installationId: p.installation.id,
      added: removed ? [] : repos,
      removed: removed ? repos : [],
      installationRemoved: removed,
    });
  }),
  installation_repositories: parsing(InstallationRepositoriesSchema, (p) =>
    event<RepositoriesEvent>({
      type: 'repositories',
      installationId: p.installation.id,
      added: names(p.repositories_added),
      removed: names(p.repositories_removed),
      installationRemoved: false,
    }),
  ),
  pull_request: parsing(PullRequestSchema, (p) => {
    if (p.action !== 'closed' && p.action !== 'reopened')
      return ignored('other-action', `pull_request ${p.action}`);
    const pr = p.pull_request;
    // Anyone can open a PR from a fork with a branch named like ours and close or reopen it at
    // will: it must not make the worker read the repository.
    if (pr.head.repo?.full_name !== p.repository.full_name)
      return ignored('fork-pull-request', `pull_request from ${pr.head.repo?.full_name ?? 'a deleted fork'}`);
    const mergeCommitSha = pr.merged && pr.merge_commit_sha ? pr.merge_commit_sha : undefined;
    return event<PullRequestEvent>({
      type: 'pull-request',
      repo: p.repository.full_name,
      number: p.number,
      action: p.action,
      merged: pr.merged === true,
      headRef: pr.head.ref,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
      ...(mergeCommitSha ? { mergeCommitSha } : {}),
      ...who(p),
    });
  }),
  issues: parsing(IssueSchema, (p) => issueEvent(p, p.action)),
  issue_comment: parsing(IssueSchema, (p) => issueEvent(p, `comment:${p.action}`)),
};

function pushEvent(p: z.output<typeof PushSchema>): GitHubEventMeaning {
  const branch = `refs/heads/${p.repository.default_branch}`;
  if (p.ref !== branch)
    return ignored('other-branch', `push to ${p.ref}, not the default branch ${p.repository.default_branch}`);
  if (p.deleted) return ignored('branch-deleted', `${p.ref} deleted`);
  const changed = new Set<string>();
  let capped = false;
  for (const commit of [...p.commits, ...(p.head_commit ? [p.head_commit] : [])])
    for (const path of [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])]) {
      if (changed.size < MAX_CHANGED_PATHS) changed.add(path);
      else if (!changed.has(path)) capped = true;
    }
  // A forced push rewrote history and a created branch has no base to compare with: the list
  // of commits does not say every path that differs.
  const whole = !p.forced && !(p.created && ZERO_SHA.test(p.before)) && p.commits.length < COMMITS_SHOWN;
  return event<RepoPushEvent>({
    type: 'push',
    repo: p.repository.full_name,
    branch: p.repository.default_branch,
    after: p.after,
    changedPaths: [...changed],
    truncated: capped || !whole,
    ...installationOf(p),
  });
}

function issueEvent(p: z.output<typeof IssueSchema>, action: string): GitHubEventMeaning {
  const labelled =
    (p.issue.labels ?? []).some((l) => l?.name === UPDATER_ISSUE_LABEL) ||
    p.label?.name === UPDATER_ISSUE_LABEL;
  if (!labelled)
    return ignored(
      'not-an-updater-issue',
      `${p.repository.full_name}#${p.issue.number} has no ${UPDATER_ISSUE_LABEL} label`,
    );
  // An edit matters only when it ticks a box: the updater's own writes untick them, so with a
  // token (whose edits come back as a person's) they do not run the repository again.
  if (action === 'edited' && !ticksAdded(p.changes?.body?.from, p.issue.body))
    return ignored(
      'no-box-ticked',
      `${p.repository.full_name}#${p.issue.number} edited without ticking a box`,
    );
  return event<IssueEvent>({
    type: 'issue',
    repo: p.repository.full_name,
    number: p.issue.number,
    action,
    ...who(p),
  });
}

function ticksAdded(before: string | undefined, after: string | null | undefined): boolean {
  if (before === undefined || !after) return false;
  const was = readTicks(before);
  return [...readTicks(after)].some(([policy, action]) => was.get(policy) !== action);
}

function names(list: readonly { full_name?: string | undefined }[] | undefined): string[] {
  return (list ?? []).flatMap((r) => (r.full_name ? [r.full_name] : []));
}

function who(p: {
  sender?: { login: string; type: string } | undefined;
  installation?: { id: number } | null | undefined;
}): { sender: string; senderIsBot: boolean; installationId?: number } {
  return {
    sender: p.sender?.login ?? 'unknown',
    senderIsBot: p.sender?.type === 'Bot',
    ...installationOf(p),
  };
}

function installationOf(p: { installation?: { id: number } | null | undefined }): {
  installationId?: number;
} {
  return p.installation ? { installationId: p.installation.id } : {};
}

function event<E extends RepoEvent>(value: E): GitHubEventMeaning {
  return { kind: 'event', event: value };
}

function ignored(reason: IgnoredEvent['reason'], detail: string): GitHubEventMeaning {
  return { kind: 'ignored', ignored: { reason, detail } };
}
