/**
 * The queue message of a GitHub repository event (`RepoEvent`, normalised by the intake): the
 * event as JSON, checked field by field when the worker decodes it, so a message another
 * version wrote or a hand-made one can't reach the worker half-formed.
 */
import * as z from 'zod';
import { MAX_CHANGED_PATHS, type RepoEvent, type RepoEventSource } from '../../core/repo-events.ts';

/** GitHub's `owner/name`: an owner of letters, digits and dashes; a name that is not `.` or `..`. */
export const REPO_FULL_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?!\.\.?$)[\w.-]{1,100}$/;

const repo = z.string().regex(REPO_FULL_NAME, 'not owner/name');
const login = z.string().min(1).max(256);
const installationId = z.number().int().positive().optional();
const sha = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'not a commit sha');
const ref = z.string().min(1).max(1024);

const RepoEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('push'),
    repo,
    branch: ref,
    after: sha,
    changedPaths: z.array(z.string().min(1).max(4096)).max(MAX_CHANGED_PATHS).readonly(),
    truncated: z.boolean(),
    installationId,
  }),
  z.strictObject({
    type: z.literal('repositories'),
    installationId: z.number().int().positive(),
    added: z.array(repo).max(10_000).readonly(),
    removed: z.array(repo).max(10_000).readonly(),
    installationRemoved: z.boolean(),
  }),
  z.strictObject({
    type: z.literal('pull-request'),
    repo,
    number: z.number().int().positive(),
    action: z.enum(['closed', 'reopened']),
    merged: z.boolean(),
    headRef: ref,
    headSha: sha,
    baseRef: ref,
    mergeCommitSha: sha.optional(),
    sender: login,
    senderIsBot: z.boolean(),
    installationId,
  }),
  z.strictObject({
    type: z.literal('issue'),
    repo,
    number: z.number().int().positive(),
    action: z.string().min(1).max(64),
    sender: login,
    senderIsBot: z.boolean(),
    installationId,
  }),
  z.strictObject({ type: z.literal('promotion-due'), repo }),
  z.strictObject({
    type: z.literal('health'),
    repo,
    application: z.string().min(1).max(253),
    revision: sha,
    healthy: z.boolean(),
    at: z.iso.datetime({ offset: true }),
    source: z.enum(['argocd', 'flux']),
  }),
]);

export const RepoEventMessageSchema = z.strictObject({
  kind: z.literal('repo-event'),
  event: RepoEventSchema,
  source: z.enum(['github', 'scheduler', 'argocd', 'flux']),
  id: z.string().min(1).max(256),
});

/** The body to enqueue for a repository event; `id` is the delivery id (or the schedule's name). */
export function encodeRepoEventMessage(
  event: RepoEvent,
  id: string,
  source: RepoEventSource = 'github',
): string {
  const message: z.input<typeof RepoEventMessageSchema> = { kind: 'repo-event', event, source, id };
  return JSON.stringify(message);
}
