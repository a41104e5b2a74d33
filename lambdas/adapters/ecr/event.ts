/**
 * The EventBridge `ECR Image Action` event (SPEC §7) as a zod schema in the Powertools parser
 * style, and what it means for the updater: a push to act on, or a reason to ignore it.
 */
import * as z from 'zod';
import { isValidTag, SHA256_DIGEST } from '../../core/image/reference.ts';
import type { PushedImage } from '../../core/push.ts';
import { isReferrerTag, signatureSubject } from '../../core/tags/index.ts';
import { ecrImageName } from './image.ts';

/**
 * The EventBridge envelope, field for field as `@aws-lambda-powertools/parser/schemas/eventbridge`
 * defines it (a test checks they agree). Not imported from there: that module imports zod as
 * `{ z }`, which makes esbuild keep all of zod (+350 KB in the function bundle).
 */
export const EventBridgeSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.string().optional(),
});

const ECR_SOURCE = 'aws.ecr';
const ECR_IMAGE_ACTION = 'ECR Image Action';

/** ECR repository names: lowercase path components, 2–256 characters. */
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * Unknown keys are kept: ECR has added fields before (`manifest-media-type`,
 * `artifact-media-type`) and a new one must not turn pushes into malformed events.
 */
const EcrImageActionDetailSchema = z.looseObject({
  'action-type': z.string(),
  result: z.string(),
  'repository-name': z.string().min(2).max(256).regex(REPOSITORY_NAME),
  'image-digest': z.string().optional(),
  /** Empty for an untagged manifest: a per-platform child of a multi-arch push, or a push by digest. */
  'image-tag': z.string().optional(),
  'manifest-media-type': z.string().optional(),
  'artifact-media-type': z.string().optional(),
});

export const EcrImageActionEventSchema = EventBridgeSchema.extend({
  source: z.literal(ECR_SOURCE),
  'detail-type': z.literal(ECR_IMAGE_ACTION),
  account: z.string().regex(/^\d{12}$/),
  region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d+$/),
  detail: EcrImageActionDetailSchema,
});

export type EcrImageActionEvent = z.infer<typeof EcrImageActionEventSchema>;

export type EcrIgnoreReason = 'not-a-push' | 'push-failed' | 'untagged' | 'referrer-tag' | 'invalid-tag';

export type EcrEventMeaning =
  | { readonly kind: 'push'; readonly push: PushedImage }
  | { readonly kind: 'ignored'; readonly reason: EcrIgnoreReason; readonly detail: string };

/**
 * Only a successful push with a tag acts. Everything else is acknowledged: retrying a DELETE
 * or an untagged manifest would never make it a push.
 */
export function interpretEcrImageAction(event: EcrImageActionEvent): EcrEventMeaning {
  const d = event.detail;
  const repo = d['repository-name'];
  const tag = d['image-tag'] ?? '';
  if (d['action-type'] !== 'PUSH') return ignored('not-a-push', `${d['action-type']} of ${repo}:${tag}`);
  if (d.result !== 'SUCCESS') return ignored('push-failed', `push of ${repo}:${tag} reported ${d.result}`);
  if (tag === '') return ignored('untagged', `untagged manifest pushed to ${repo}`);
  if (!isValidTag(tag)) return ignored('invalid-tag', `${repo}: the tag is outside the OCI tag grammar`);
  // A signature's tag goes on: it can release an image held for it (policies with `verify`).
  if (isReferrerTag(tag) && signatureSubject(tag) === undefined)
    return ignored('referrer-tag', `${repo}:${tag} is a signature, attestation or SBOM`);
  const digest = d['image-digest'];
  const pushedAt = new Date(event.time);
  return {
    kind: 'push',
    push: {
      image: ecrImageName(event.account, event.region, repo),
      tag,
      // ECR digests are sha256; one that is not `sha256:` + 64 hex digits could not be written
      // into a file (the documentation's samples carry a shortened one), so the push goes on
      // without it.
      ...(digest !== undefined && SHA256_DIGEST.test(digest) ? { digest } : {}),
      ...(Number.isNaN(pushedAt.getTime()) ? {} : { pushedAt }),
    },
  };
}

/**
 * An EventBridge event read as an ECR one: not an event at all, another source's, a malformed
 * ECR Image Action, or what it means. The SQS body and the webhook delivery are read the same way.
 */
export type EcrEventReading =
  | { readonly kind: 'not-an-event'; readonly error: z.ZodError }
  | {
      readonly kind: 'other-event';
      readonly id: string;
      readonly source: string;
      readonly detailType: string;
    }
  | { readonly kind: 'invalid'; readonly id: string; readonly error: z.ZodError }
  | { readonly kind: 'ecr'; readonly id: string; readonly meaning: EcrEventMeaning };

export function readEcrEvent(value: unknown): EcrEventReading {
  const envelope = EventBridgeSchema.safeParse(value);
  if (!envelope.success) return { kind: 'not-an-event', error: envelope.error };
  const { id, source, 'detail-type': detailType } = envelope.data;
  if (source !== ECR_SOURCE || detailType !== ECR_IMAGE_ACTION)
    return { kind: 'other-event', id, source, detailType };
  const parsed = EcrImageActionEventSchema.safeParse(value);
  if (!parsed.success) return { kind: 'invalid', id, error: parsed.error };
  return { kind: 'ecr', id, meaning: interpretEcrImageAction(parsed.data) };
}

function ignored(reason: EcrIgnoreReason, detail: string): EcrEventMeaning {
  return { kind: 'ignored', reason, detail };
}
