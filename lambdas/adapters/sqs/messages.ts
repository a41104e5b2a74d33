/**
 * What the worker's queue carries: EventBridge `ECR Image Action` events exactly as the rule
 * delivers them, pushes that another entry point (the webhook function, issue 6) already
 * normalised, and GitHub's repository events (`repo-event`, one message per delivery). Decoding never throws: a body is a push, an event to ignore, or malformed.
 */
import * as z from 'zod';
import { readEcrEvent, type EcrIgnoreReason } from '../ecr/event.ts';
import { canonicalImageName, DIGEST, OCI_TAG } from '../../core/image/reference.ts';
import type { PushedImage } from '../../core/push.ts';
import { isReferrerTag, signatureSubject } from '../../core/tags/index.ts';
import { defined } from '../../objects.ts';
import type { RepoEvent, RepoEventSource } from '../../core/repo-events.ts';
import { isQueuedRepoEvent, type QueuedMessage } from '../../ports/push-queue.ts';
import { encodeRepoEventMessage, RepoEventMessageSchema } from './repo-event-message.ts';

/** SQS allows 256 KiB; a push message is a few hundred bytes. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * A push normalised by another entry point. `source` names where it came from (`distribution`,
 * `harbor`, `dockerhub`, `ghcr`, …) for logs and metrics; `id` is the registry's delivery or event
 * id, used as the correlation id.
 */
const PushMessageSchema = z.strictObject({
  kind: z.literal('push'),
  push: z.strictObject({
    image: z
      .string()
      .max(512)
      .refine((s) => canonicalImageName(s) !== undefined, 'not a registry/repository name'),
    tag: z.string().regex(OCI_TAG, 'outside the OCI tag grammar'),
    digest: z.string().regex(DIGEST, 'not algorithm:hex').optional(),
    pushedAt: z.iso.datetime({ offset: true }).optional(),
  }),
  source: z.string().min(1).max(64),
  id: z.string().min(1).max(256).optional(),
});

type PushMessage = z.infer<typeof PushMessageSchema>;

/** The body to enqueue for a push (what the webhook function sends). */
export function encodePushMessage(push: PushedImage, source: string, id?: string): string {
  const message: PushMessage = {
    kind: 'push',
    push: {
      image: push.image,
      tag: push.tag,
      ...defined({ digest: push.digest }),
      ...(push.pushedAt !== undefined ? { pushedAt: push.pushedAt.toISOString() } : {}),
    },
    source,
    ...defined({ id }),
  };
  return JSON.stringify(message);
}

/** The body to enqueue for what an entry point hands the queue (SQS and serve's queue alike). */
export function encodeQueuedMessage(message: QueuedMessage): string {
  return isQueuedRepoEvent(message)
    ? encodeRepoEventMessage(message.event, message.id, message.source)
    : encodePushMessage(message.push, message.source, message.id);
}

type IgnoreReason = EcrIgnoreReason | 'other-event';

export type DecodedMessage =
  | {
      readonly kind: 'push';
      readonly id: string | undefined;
      readonly source: string;
      readonly push: PushedImage;
    }
  | {
      readonly kind: 'ignored';
      readonly id: string | undefined;
      readonly source: string;
      readonly reason: IgnoreReason;
      readonly detail: string;
    }
  | {
      readonly kind: 'repo-event';
      /** The delivery id (`X-GitHub-Delivery`), or the wake-up's schedule name. */
      readonly id: string;
      readonly source: RepoEventSource;
      readonly event: RepoEvent;
    }
  | { readonly kind: 'malformed'; readonly reason: string };

export function decodeMessage(body: string): DecodedMessage {
  if (body.length > MAX_MESSAGE_BYTES)
    return { kind: 'malformed', reason: `body larger than ${MAX_MESSAGE_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // The parser's message quotes the body; the body is not ours to log in full.
    return { kind: 'malformed', reason: 'body is not JSON' };
  }
  if (isObject(value) && value.kind === 'push') return decodePush(value);
  if (isObject(value) && value.kind === 'repo-event') return decodeRepoEvent(value);
  const event = readEcrEvent(value);
  switch (event.kind) {
    case 'not-an-event':
      return {
        kind: 'malformed',
        reason: `neither an EventBridge event nor a push message (${describe(event.error)})`,
      };
    case 'other-event':
      return {
        kind: 'ignored',
        id: event.id,
        source: event.source,
        reason: 'other-event',
        detail: `${event.source} ${event.detailType}`,
      };
    case 'invalid':
      return { kind: 'malformed', reason: `ECR Image Action event: ${describe(event.error)}` };
    case 'ecr': {
      const { meaning } = event;
      return meaning.kind === 'push'
        ? { kind: 'push', id: event.id, source: 'ecr', push: meaning.push }
        : { kind: 'ignored', id: event.id, source: 'ecr', reason: meaning.reason, detail: meaning.detail };
    }
  }
}

function decodePush(value: Record<string, unknown>): DecodedMessage {
  const parsed = PushMessageSchema.safeParse(value);
  if (!parsed.success) return { kind: 'malformed', reason: `push message: ${describe(parsed.error)}` };
  const { push, source, id } = parsed.data;
  if (isReferrerTag(push.tag) && signatureSubject(push.tag) === undefined) {
    return {
      kind: 'ignored',
      id,
      source,
      reason: 'referrer-tag',
      detail: `${push.image}:${push.tag} is a signature, attestation or SBOM`,
    };
  }
  return {
    kind: 'push',
    id,
    source,
    push: {
      image: push.image,
      tag: push.tag,
      ...defined({ digest: push.digest }),
      ...(push.pushedAt !== undefined ? { pushedAt: new Date(push.pushedAt) } : {}),
    },
  };
}

function decodeRepoEvent(value: Record<string, unknown>): DecodedMessage {
  const parsed = RepoEventMessageSchema.safeParse(value);
  if (!parsed.success) return { kind: 'malformed', reason: `repo-event message: ${describe(parsed.error)}` };
  const { id, source, event } = parsed.data;
  return { kind: 'repo-event', id, source, event };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Paths and messages only: zod issues never carry the offending values here. */
function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
