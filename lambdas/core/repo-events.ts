/**
 * What GitHub says about the environment repositories (its App webhooks), normalised at the
 * intake so the worker never sees a webhook payload, and the updater's own wake-ups of them.
 * Repositories are `owner/name`.
 */

/** A push to a repository's default branch (pushes to other branches are not forwarded). */
export interface RepoPushEvent {
  readonly type: 'push';
  readonly repo: string;
  readonly branch: string;
  /** The new head. */
  readonly after: string;
  /**
   * Paths added, modified or removed by the pushed commits, de-duplicated. GitHub lists at most
   * 20 commits in a push payload; we keep at most `MAX_CHANGED_PATHS`.
   */
  readonly changedPaths: readonly string[];
  /** Some changed paths are unknown (more than 20 commits, or the cap): the config may have changed. */
  readonly truncated: boolean;
  readonly installationId?: number;
}

/** `installation` / `installation_repositories`: repositories the App can now, or no longer, see. */
export interface RepositoriesEvent {
  readonly type: 'repositories';
  readonly installationId: number;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** The whole installation went away (uninstalled or suspended): all its repositories are removed. */
  readonly installationRemoved: boolean;
}

/** A pull request closed (merged or not) or reopened. */
export interface PullRequestEvent {
  readonly type: 'pull-request';
  readonly repo: string;
  readonly number: number;
  readonly action: 'closed' | 'reopened';
  readonly merged: boolean;
  readonly headRef: string;
  readonly headSha: string;
  readonly baseRef: string;
  readonly mergeCommitSha?: string;
  /** Who did it (login), and whether that is a bot account (the updater's App is one). */
  readonly sender: string;
  readonly senderIsBot: boolean;
  readonly installationId?: number;
}

/** `issues` / `issue_comment` on an issue carrying one of the updater's labels. */
export interface IssueEvent {
  readonly type: 'issue';
  readonly repo: string;
  readonly number: number;
  /** The webhook's action (`edited`, `closed`, `created`, …) prefixed by `comment:` for comments. */
  readonly action: string;
  readonly sender: string;
  readonly senderIsBot: boolean;
  readonly installationId?: number;
}

/**
 * A promotion `promote.after` held is due (docs/promotion.md): the delayed-work scheduler's
 * wake-up, not GitHub's. The repository's promotions are decided again.
 */
export interface PromotionDueEvent {
  readonly type: 'promotion-due';
  readonly repo: string;
}

/**
 * An environment's health at a commit of the repository (`promote: { when: healthy }`), from
 * an Argo CD Notifications or Flux notification-controller webhook. `repo` is the one the
 * webhook's URL names (`?repo=owner/name`): the worker acts only on a watched repository, and
 * only for the application its config names.
 */
export interface HealthEvent {
  readonly type: 'health';
  readonly repo: string;
  /** Argo CD's Application name, or Flux's `namespace/name`. */
  readonly application: string;
  /** The commit sha the application runs. */
  readonly revision: string;
  readonly healthy: boolean;
  /** When the intake received it (ISO 8601). */
  readonly at: string;
  readonly source: 'argocd' | 'flux';
}

export type RepoEvent =
  RepoPushEvent | RepositoriesEvent | PullRequestEvent | IssueEvent | PromotionDueEvent | HealthEvent;

/**
 * Who sent a repository event: GitHub's App webhook, the updater's own delayed work, or an
 * environment's health webhook.
 */
export type RepoEventSource = 'github' | 'scheduler' | 'argocd' | 'flux';

export const MAX_CHANGED_PATHS = 1_000;
