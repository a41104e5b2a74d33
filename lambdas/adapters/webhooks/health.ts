/**
 * What the health webhooks (`argocd.ts`, `flux.ts`) share: the repository the webhook's URL
 * names (`?repo=owner/name`; the worker acts only on a watched one), the commit of a revision,
 * and the queued event. A report is about one application at one commit of that repository.
 */
import { createHash } from 'node:crypto';
import type { HealthEvent } from '../../core/repo-events.ts';
import { REPO_FULL_NAME } from '../sqs/repo-event-message.ts';
import { malformed } from './body.ts';
import type { ParseResult, WebhookRequest } from './types.ts';

/** An Argo CD Application name, or a Flux `namespace/name` (Kubernetes names, at most 253). */
export const APPLICATION = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;

/** GitHub's commits are SHA-1: a `sha256:` revision is an OCI artifact's digest, not a commit. */
const COMMIT = /^[0-9a-f]{40}$/;

/**
 * The commit a revision names: a bare sha, Flux's `main@sha1:<sha>` (or `sha1:<sha>`,
 * `refs/heads/main@sha1:<sha>`), or its older `main/<sha>`. Undefined for anything else (a Helm
 * chart version, an OCI artifact's `sha256:` digest): no commit of the repository.
 */
export function commitOf(revision: string): string | undefined {
  const value = revision.trim().toLowerCase();
  if (COMMIT.test(value)) return value;
  const m = /(?:^|@)sha1:([0-9a-f]+)$/.exec(value) ?? /^[^@:]*\/([0-9a-f]+)$/.exec(value);
  return m && COMMIT.test(m[1]!) ? m[1] : undefined;
}

/** The queued health event, or why the request can't be one (the `repo` query parameter). */
export function healthEvent(
  request: WebhookRequest,
  report: Omit<HealthEvent, 'type' | 'repo' | 'at'>,
): ParseResult {
  const repo = request.query.repo?.trim() ?? '';
  if (!REPO_FULL_NAME.test(repo))
    return malformed(
      'the webhook URL names no repository: add ?repo=<owner>/<name> (the environment repository)',
    );
  // No delivery id is sent: the body's hash correlates the logs.
  const id = `${report.source}-${createHash('sha256').update(request.body).digest('hex').slice(0, 32)}`;
  return {
    kind: 'health',
    id,
    event: { type: 'health', repo, ...report, at: new Date().toISOString() },
  };
}
