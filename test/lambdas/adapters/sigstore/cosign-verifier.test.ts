/**
 * The verification decisions, table by table: signatures in cosign's exact formats made with a
 * generated key, and each thing an attacker (or a broken pipeline) can get wrong.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CosignVerifier } from '../../../../lambdas/adapters/sigstore/cosign-verifier.ts';
import { lazySignatureVerifier } from '../../../../lambdas/adapters/sigstore/lazy-verifier.ts';
import { VerifyKeyError } from '../../../../lambdas/adapters/sigstore/errors.ts';
import type { VerifyRequest } from '../../../../lambdas/core/verify/types.ts';
import {
  bundleReferrer,
  dsseBundle,
  generateKey,
  sigManifest,
  signBytes,
  signImage,
  simpleSigningPayload,
} from '../../../support/cosign.ts';
import { MemoryImageReader } from '../../../support/memory-image-reader.ts';

const IMAGE = 'registry.example.com/shop/api';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const SIG_TAG = `sha256-${'a'.repeat(64)}.sig`;
const key = generateKey();
const stranger = generateKey();

const request = (overrides: Partial<VerifyRequest> = {}): VerifyRequest => ({
  image: IMAGE,
  tag: '1.4.4',
  digest: DIGEST,
  verify: { cosign: { key: key.publicPem } },
  ...overrides,
});
const verifierOf = (reader: MemoryImageReader) => new CosignVerifier(reader, async (k) => k);

type Setup = (reader: MemoryImageReader) => void;

const signedWith = (payload: Buffer, signer = key) =>
  sigManifest([{ payload, signature: signBytes(payload, signer.privateKey) }]);

const cases: [string, Setup, Record<string, unknown>][] = [
  [
    'a good .sig signature',
    (r) => r.put(SIG_TAG, signImage(key, IMAGE, DIGEST)),
    { ok: true, via: 'sig-tag' },
  ],
  [
    'a .sig signed for the same repository with a tag in the reference',
    (r) => r.put(SIG_TAG, signImage(key, `${IMAGE}:1.4.4`, DIGEST)),
    { ok: true },
  ],
  ['no signature at all', () => {}, { ok: false, check: 'signature-missing' }],
  [
    'a signature by another key',
    (r) => r.put(SIG_TAG, signImage(stranger, IMAGE, DIGEST)),
    { ok: false, check: 'signature-invalid' },
  ],
  [
    'a payload that signs another digest',
    (r) => r.put(SIG_TAG, signedWith(simpleSigningPayload(IMAGE, OTHER))),
    { ok: false, check: 'digest-mismatch' },
  ],
  [
    'a payload that names another repository',
    (r) => r.put(SIG_TAG, signedWith(simpleSigningPayload('registry.example.com/shop/web', DIGEST))),
    { ok: false, check: 'reference-mismatch' },
  ],
  [
    'tampered payload bytes under the original signature',
    (r) => {
      const payload = simpleSigningPayload(IMAGE, DIGEST);
      const tampered = Buffer.from(payload.toString().replace('"optional":null', '"optional":{"x":1}'));
      r.put(SIG_TAG, sigManifest([{ payload: tampered, signature: signBytes(payload, key.privateKey) }]));
    },
    { ok: false, check: 'signature-invalid' },
  ],
  [
    'a signed payload that is not a cosign image signature',
    (r) => r.put(SIG_TAG, signedWith(Buffer.from('{"hello":"world"}'))),
    { ok: false, check: 'payload-invalid' },
  ],
  [
    'a bad signature first, a good one second',
    (r) => {
      const payload = simpleSigningPayload(IMAGE, DIGEST);
      r.put(
        SIG_TAG,
        sigManifest([
          { payload, signature: signBytes(payload, stranger.privateKey) },
          { payload, signature: signBytes(payload, key.privateKey) },
        ]),
      );
    },
    { ok: true, via: 'sig-tag' },
  ],
  [
    'a Sigstore bundle referrer',
    (r) => {
      const referrer = bundleReferrer(dsseBundle(key, IMAGE, DIGEST), {
        digest: DIGEST,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: 100,
      });
      r.put(referrer.manifest.digest, referrer);
    },
    { ok: true, via: 'referrer' },
  ],
  [
    'a bundle referrer whose statement is about another digest',
    (r) => {
      const referrer = bundleReferrer(dsseBundle(key, IMAGE, OTHER), {
        digest: DIGEST,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 100,
      });
      r.put(referrer.manifest.digest, referrer);
    },
    { ok: false, check: 'digest-mismatch' },
  ],
  [
    'a bundle referrer signed by another key',
    (r) => {
      const referrer = bundleReferrer(dsseBundle(stranger, IMAGE, DIGEST), {
        digest: DIGEST,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 100,
      });
      r.put(referrer.manifest.digest, referrer);
    },
    { ok: false, check: 'signature-invalid' },
  ],
];

/** What a hostile registry can answer: each is an invalid signature, found in bounded work. */
const hostile: [string, Setup, Record<string, unknown>][] = [
  [
    'a .sig manifest that is not JSON',
    (r) =>
      r.manifests.set(SIG_TAG, { ...signImage(key, IMAGE, DIGEST).manifest, bytes: Buffer.from('<html>') }),
    { ok: false, check: 'payload-invalid' },
  ],
  [
    'a .sig manifest with 300 layers',
    (r) => {
      const payload = simpleSigningPayload(IMAGE, DIGEST);
      const one = { payload, signature: signBytes(payload, stranger.privateKey) };
      r.put(SIG_TAG, sigManifest(Array.from({ length: 300 }, () => one)));
    },
    { ok: false, check: 'payload-invalid' },
  ],
  [
    'a signed payload larger than any payload',
    (r) => r.put(SIG_TAG, signedWith(Buffer.alloc(100_000, 32))),
    { ok: false, check: 'payload-invalid', detail: 'a signature could not be read (IMAGE_READ_TOO_LARGE)' },
  ],
  [
    'a referrer whose blob is not a bundle',
    (r) => {
      const referrer = bundleReferrer(Buffer.from('{"mediaType":"x"}'), {
        digest: DIGEST,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 1,
      });
      r.put(referrer.manifest.digest, referrer);
    },
    { ok: false, check: 'payload-invalid' },
  ],
];

describe('CosignVerifier', () => {
  it.each(hostile)('%s: refused, with the check that failed', async (_name, setup, expected) => {
    const reader = new MemoryImageReader();
    setup(reader);
    expect(await verifierOf(reader).verify(request())).toMatchObject(expected);
    expect(reader.requests).toBeLessThan(40);
  });

  it.each(cases)('%s', async (_name, setup, expected) => {
    const reader = new MemoryImageReader();
    setup(reader);
    expect(await verifierOf(reader).verify(request())).toMatchObject(expected);
  });

  it('verifies the digest a tag names when the push carried none', async () => {
    const reader = new MemoryImageReader();
    const image = sigManifest([]); // any manifest: its digest is what gets signed
    reader.put('1.4.4', image);
    reader.put(
      `${image.manifest.digest.replace(':', '-')}.sig`,
      signImage(key, IMAGE, image.manifest.digest),
    );
    const { digest: _omit, ...withoutDigest } = request();
    expect(await verifierOf(reader).verify(withoutDigest)).toEqual({
      ok: true,
      digest: image.manifest.digest,
      via: 'sig-tag',
    });
  });

  it.each([
    ['not a key', 'hello', 'the key is not a PEM public key'],
    [
      'a private key',
      key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'a private key was given',
    ],
  ])('refuses a key that is %s, naming the check and not the key', async (_n, pem, detail) => {
    const reader = new MemoryImageReader();
    reader.put(SIG_TAG, signImage(key, IMAGE, DIGEST));
    const verdict = await verifierOf(reader).verify(request({ verify: { cosign: { key: pem } } }));
    expect(verdict).toMatchObject({ ok: false, check: 'key-unusable' });
    expect(JSON.stringify(verdict)).toContain(detail);
    expect(JSON.stringify(verdict)).not.toContain('PRIVATE');
  });

  it('holds a keyless policy when it has no trusted root to check it against, saying so', async () => {
    const reader = new MemoryImageReader();
    reader.put(SIG_TAG, signImage(key, IMAGE, DIGEST));
    const verdict = await verifierOf(reader).verify(
      request({ verify: { cosign: { identity: 'ci@example.com', issuer: 'https://issuer.example.com' } } }),
    );
    expect(verdict).toMatchObject({ ok: false, check: 'trust-root-unavailable' });
  });

  it('costs two registry requests for a signed image (.sig manifest, payload blob), two for an unsigned one', async () => {
    const signed = new MemoryImageReader();
    signed.put(SIG_TAG, signImage(key, IMAGE, DIGEST));
    await verifierOf(signed).verify(request());
    expect(signed.requests).toBe(2);
    const unsigned = new MemoryImageReader();
    await verifierOf(unsigned).verify(request());
    // The .sig tag and the referrers list (a registry without the API adds the fallback tag).
    expect(unsigned.requests).toBe(2);
  });
});

describe('lazySignatureVerifier', () => {
  it('remembers a verified digest, never a failure', async () => {
    const reader = new MemoryImageReader();
    const verifier = lazySignatureVerifier({ reader });
    expect(await verifier.verify(request())).toMatchObject({ check: 'signature-missing' });
    reader.put(SIG_TAG, signImage(key, IMAGE, DIGEST));
    expect(await verifier.verify(request())).toMatchObject({ ok: true });
    const before = reader.requests;
    expect(await verifier.verify(request())).toMatchObject({ ok: true });
    expect(reader.requests).toBe(before);
  });

  it('reads a key named by a secret ARN through Secrets Manager, and says when it cannot', async () => {
    const reader = new MemoryImageReader();
    reader.put(SIG_TAG, signImage(key, IMAGE, DIGEST));
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cosign-pub-AbCdEf';
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    const secrets = mockClient(client);
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: key.publicPem });
    const verifier = lazySignatureVerifier({ reader, secretsClient: () => client });
    expect(await verifier.verify(request({ verify: { cosign: { key: arn } } }))).toMatchObject({ ok: true });
    const denied = await verifier.verify(request({ verify: { cosign: { key: `${arn}x` } } }));
    expect(denied).toMatchObject({ ok: false, check: 'key-unusable' });
    expect(new VerifyKeyError('VERIFY_KEY_UNAVAILABLE', 'x').retryable).toBe(true);
  });

  it("never reads a secret the deployment does not list as a key, however the config names it (the GitHub credentials' ARN)", async () => {
    const reader = new MemoryImageReader();
    reader.put(SIG_TAG, signImage(key, IMAGE, DIGEST));
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    const secrets = mockClient(client);
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: '{"privateKey":"-----BEGIN RSA PRIVATE KEY-----"}' });
    const github = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:github-AbCdEf';
    const verifier = lazySignatureVerifier({
      reader,
      secretsClient: () => client,
      keySecretAllowed: (arn) => arn.includes(':secret:cosign-'),
    });
    const verdict = await verifier.verify(request({ verify: { cosign: { key: github } } }));
    expect(verdict).toMatchObject({ ok: false, check: 'key-unusable' });
    expect(JSON.stringify(verdict)).toContain('VERIFY_KEY_UNREADABLE');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('verifies a digest once for the repositories that ask at the same time', async () => {
    const reader = new MemoryImageReader();
    reader.put(SIG_TAG, signImage(key, IMAGE, DIGEST));
    const verifier = lazySignatureVerifier({ reader });
    const verdicts = await Promise.all([1, 2, 3].map(() => verifier.verify(request())));
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect(reader.requests).toBe(2);
  });
});
