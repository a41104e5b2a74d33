/**
 * Secret checks. Every comparison goes through `constantTimeEqual`: both sides are hashed first,
 * so `timingSafeEqual` always compares two 32-byte digests and neither the content nor the length
 * of the secret shows in the response time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

const BEARER = /^bearer[ \t]+/i;

/**
 * A shared secret sent in a header (`Authorization` for Distribution, Harbor and EventBridge API
 * destinations). `Bearer <secret>` and the bare secret are both accepted: Harbor's "Auth Header"
 * field is sent verbatim, and people type either.
 */
export function sharedSecretMatches(presented: string | undefined, secret: string): boolean {
  if (secret === '' || presented === undefined) return false;
  const value = presented.replace(BEARER, '').trim();
  // Compared even when empty, so a missing value costs the same as a wrong one.
  return constantTimeEqual(value, secret) && value !== '';
}

/** GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`. */
export function hubSignatureMatches(body: Buffer, presented: string | undefined, secret: string): boolean {
  if (secret === '' || presented === undefined) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return constantTimeEqual(presented.trim().toLowerCase(), expected);
}
