/** Shared parsing steps: the body as JSON, zod errors as short messages without values. */
import type * as z from 'zod';
import { isValidTag, parseImageReference, SHA256_DIGEST } from '../../core/image/reference.ts';
import { isReferrerTag, signatureSubject } from '../../core/tags/index.ts';
import type { IgnoredEvent, ParseResult } from './types.ts';

export function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    // The parser's message quotes the body; the body is not ours to echo.
    return { ok: false, reason: 'the body is not JSON' };
  }
}

/** Paths and messages only: zod issues never carry the offending values here. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export function malformed(reason: string): ParseResult {
  return { kind: 'malformed', reason };
}

/**
 * Why a tag can't be a push: empty or a digest (pushed by digest), outside the OCI grammar, or a
 * attestation/SBOM referrer. Undefined when it is a tag push, or a signature's tag (which can
 * release an image held for its signature).
 */
export function tagProblem(
  image: string,
  tag: string | undefined,
  digest?: string,
): IgnoredEvent | undefined {
  if (tag === undefined || tag === '' || tag === digest || tag.startsWith('sha256:'))
    return { reason: 'untagged', detail: `${image} pushed by digest, no tag` };
  if (!isValidTag(tag))
    return { reason: 'invalid-tag', detail: `${image}: the tag is outside the OCI tag grammar` };
  if (isReferrerTag(tag) && signatureSubject(tag) === undefined)
    return { reason: 'referrer-tag', detail: `${image}:${tag} is a signature, attestation or SBOM` };
  return undefined;
}

/** A digest we can write next to a tag (sha256, as SPEC §5 requires), or nothing. */
export function usableDigest(digest: string | undefined | null): { digest?: string } {
  return typeof digest === 'string' && SHA256_DIGEST.test(digest) ? { digest } : {};
}

/** A time the registry reported, when it is a real one (GitHub sends `0001-01-01T00:00:00Z`). */
export function eventTime(value: string | number | undefined | null): { pushedAt?: Date } {
  if (value === undefined || value === null || value === '') return {};
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  const ms = date.getTime();
  return Number.isNaN(ms) || ms < Date.UTC(2000, 0, 1) ? {} : { pushedAt: date };
}

/**
 * `registry/repository` from a reference such as `harbor.example.com/library/nginx:1.25` or
 * `ghcr.io/acme/api@sha256:…` (an empty tag after the colon, as GitHub and Harbor sometimes send,
 * is tolerated); undefined when it names no registry host.
 */
export function imageOfReference(reference: string, lowercase = false): string | undefined {
  const text = reference.replace(/:$/, '');
  const ref = parseImageReference(lowercase ? text.toLowerCase() : text);
  if (!ref || ref.registry === undefined) return undefined;
  return `${ref.registry.toLowerCase()}/${ref.path}`;
}
