/**
 * What a verified signature must say about the image (pure): a cosign simple-signing payload
 * (the `.sig` layout) or an in-toto statement (a Sigstore bundle's DSSE envelope) must name
 * the exact digest being verified, and a simple-signing payload the repository it was signed
 * for. The signature over these bytes is checked first, by the Sigstore libraries.
 */
import { canonicalImageName } from '../image/reference.ts';
import type { VerifyCheck } from './types.ts';

const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export type PayloadProblem = { readonly check: VerifyCheck; readonly detail: string } | undefined;

function parse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

function field(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * `{"critical": {"identity": {"docker-reference": …}, "image": {"docker-manifest-digest": …},
 * "type": "cosign container image signature"}, "optional": …}`.
 */
export function checkSimpleSigning(bytes: Uint8Array, image: string, digest: string): PayloadProblem {
  const payload = parse(bytes);
  if (field(payload, 'critical', 'type') !== SIMPLE_SIGNING_TYPE)
    return { check: 'payload-invalid', detail: 'the signed payload is not a cosign image signature' };
  const signed = field(payload, 'critical', 'image', 'docker-manifest-digest');
  if (signed !== digest)
    return {
      check: 'digest-mismatch',
      detail: `the signature is for ${typeof signed === 'string' ? signed.slice(0, 80) : 'no digest'}, not ${digest}`,
    };
  const reference = field(payload, 'critical', 'identity', 'docker-reference');
  const signedFor = typeof reference === 'string' ? canonicalImageName(reference) : undefined;
  if (signedFor === undefined || signedFor !== canonicalImageName(image))
    return {
      check: 'reference-mismatch',
      detail: `the signature names ${typeof reference === 'string' ? reference.slice(0, 200) : 'no repository'}, not ${image}`,
    };
  return undefined;
}

/** An in-toto statement whose subjects include the digest. */
export function checkStatement(bytes: Uint8Array, digest: string): PayloadProblem {
  const statement = parse(bytes);
  const subjects = field(statement, 'subject');
  if (!Array.isArray(subjects) || typeof field(statement, '_type') !== 'string')
    return { check: 'payload-invalid', detail: 'the bundle does not hold an in-toto statement' };
  // The same bundle format carries attestations (an SBOM, a scan) signed with the same key: only
  // cosign's signature predicate says "this image is signed".
  const predicateType = field(statement, 'predicateType');
  if (predicateType !== COSIGN_SIGN_PREDICATE)
    return {
      check: 'payload-invalid',
      detail: `the bundle is an attestation (${typeof predicateType === 'string' ? predicateType.slice(0, 100) : 'no predicate type'}), not a signature (${COSIGN_SIGN_PREDICATE})`,
    };
  const hex = digest.slice('sha256:'.length);
  if (!subjects.some((s) => field(s, 'digest', 'sha256') === hex))
    return { check: 'digest-mismatch', detail: `the statement's subjects do not include ${digest}` };
  return undefined;
}

/** The predicate type of a cosign image signature in a Sigstore bundle (DSSE, in-toto). */
const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
