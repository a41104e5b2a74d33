/**
 * A Sigstore bundle referrer that is an attestation (an SBOM, a vulnerability scan), signed with
 * the policy's key and naming the digest, is not the image's signature: only cosign's signing
 * predicate is (`cosign verify --key` accepts no other for a bundle).
 */
import { describe, expect, it } from 'vitest';
import { CosignVerifier } from '../../../../lambdas/adapters/sigstore/cosign-verifier.ts';
import { bundleReferrer, generateKey, signBytes } from '../../../support/cosign.ts';
import { MemoryImageReader } from '../../../support/memory-image-reader.ts';

const IMAGE = 'registry.example.com/shop/api';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const key = generateKey();

/** A bundle as `cosign attest --new-bundle-format` writes it, with the predicate type given. */
function attestation(predicateType: string, predicate: unknown): Buffer {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: IMAGE, digest: { sha256: DIGEST.slice('sha256:'.length) } }],
      predicateType,
      predicate,
    }),
  );
  const payloadType = 'application/vnd.in-toto+json';
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} `),
    statement,
  ]);
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: '' }, tlogEntries: [] },
      dsseEnvelope: {
        payload: statement.toString('base64'),
        payloadType,
        signatures: [{ sig: signBytes(pae, key.privateKey), keyid: '' }],
      },
    }),
  );
}

describe('a bundle referrer that is an attestation, not a signature', () => {
  it.each([
    [
      'a vulnerability scan',
      'https://cosign.sigstore.dev/attestation/vuln/v1',
      { scanner: { result: { critical: 3 } } },
    ],
    ['an SBOM', 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX' }],
  ])('%s signed with the key does not verify the image', async (_name, predicateType, predicate) => {
    const reader = new MemoryImageReader();
    const subject = { digest: DIGEST, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100 };
    const referrer = bundleReferrer(attestation(predicateType, predicate), subject);
    reader.put(referrer.manifest.digest, referrer);
    const verdict = await new CosignVerifier(reader, async (k) => k).verify({
      image: IMAGE,
      tag: '1.4.4',
      digest: DIGEST,
      verify: { cosign: { key: key.publicPem } },
    });
    expect(verdict.ok).toBe(false);
  });
});
