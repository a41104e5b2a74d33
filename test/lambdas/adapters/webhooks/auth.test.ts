import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  hubSignatureMatches,
  sharedSecretMatches,
} from '../../../../lambdas/adapters/webhooks/auth.ts';
import { hubSignature, SECRET } from './rig.ts';

describe('secret checks', () => {
  test.prop([fc.string(), fc.string()])('constantTimeEqual is string equality, for any lengths', (a, b) => {
    // timingSafeEqual itself throws on unequal lengths; the digests make every pair comparable.
    expect(constantTimeEqual(a, b)).toBe(a === b);
  });

  test.prop([fc.string({ minLength: 1 }).filter((s) => s.trim() === s && s !== ''), fc.string()])(
    'a shared secret header authenticates exactly the secret, bare or as a bearer token',
    (secret, other) => {
      expect(sharedSecretMatches(`Bearer ${secret}`, secret)).toBe(true);
      expect(sharedSecretMatches(secret, secret)).toBe(true);
      const presented = other.replace(/^bearer[ \t]+/i, '').trim();
      expect(sharedSecretMatches(other, secret)).toBe(presented === secret);
    },
  );

  it.each([
    ['bearer in lower case', `bearer ${SECRET}`, true],
    ['BEARER with a tab', `BEARER\t${SECRET}`, true],
    ['missing', undefined, false],
    ['empty', '', false],
    ['bearer alone', 'Bearer', false],
    ['a different case of the secret', `Bearer ${SECRET.toUpperCase()}`, false],
  ])('Authorization %s', (_what, header, ok) => {
    expect(sharedSecretMatches(header, SECRET)).toBe(ok);
  });

  it('an empty configured secret authenticates nothing, not even an empty header', () => {
    expect(sharedSecretMatches('', '')).toBe(false);
    expect(sharedSecretMatches('Bearer ', '')).toBe(false);
    expect(hubSignatureMatches(Buffer.from('{}'), hubSignature('{}', ''), '')).toBe(false);
  });

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })])(
    'X-Hub-Signature-256 holds for the exact body only',
    (body, other) => {
      const signature = hubSignature(Buffer.from(body));
      expect(hubSignatureMatches(Buffer.from(body), signature, SECRET)).toBe(true);
      expect(hubSignatureMatches(Buffer.from(other), signature, SECRET)).toBe(
        Buffer.from(other).equals(Buffer.from(body)),
      );
    },
  );

  it('X-Hub-Signature-256 in upper-case hex is the same signature; a truncated one is not', () => {
    const body = Buffer.from('{"action":"published"}');
    const signature = hubSignature(body);
    expect(hubSignatureMatches(body, `sha256=${signature.slice(7).toUpperCase()}`, SECRET)).toBe(true);
    expect(hubSignatureMatches(body, signature.slice(0, -2), SECRET)).toBe(false);
    expect(hubSignatureMatches(body, undefined, SECRET)).toBe(false);
  });
});
