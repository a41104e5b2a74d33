/**
 * Keyless verification against a locally made Sigstore instance (CA, CT log, Rekor; no network):
 * signatures in cosign's exact keyless `.sig` layout and Sigstore bundle referrers, and each thing
 * that must refuse them: another identity or issuer, another CA, a certificate that was not valid
 * when the entry was logged, a tampered payload, another digest, no or a forged log entry.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CosignVerifier } from '../../../../lambdas/adapters/sigstore/cosign-verifier.ts';
import type { VerifyRequest } from '../../../../lambdas/core/verify/types.ts';
import { TrustRootError, type TrustRootSource } from '../../../../lambdas/ports/trust-root.ts';
import { lazySignatureVerifier } from '../../../../lambdas/adapters/sigstore/lazy-verifier.ts';
import {
  bundleReferrer,
  dsseBundle,
  generateKey,
  inTotoStatement,
  simpleSigningPayload,
} from '../../../support/cosign.ts';
import {
  keylessDsseBundle,
  keylessSigManifest,
  localSigstore,
  makeCA,
  signKeyless,
  type KeylessOptions,
  type LocalSigstore,
} from '../../../support/keyless.ts';
import { MemoryImageReader } from '../../../support/memory-image-reader.ts';

const IMAGE = 'registry.example.com/shop/api';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const SIG_TAG = `sha256-${'a'.repeat(64)}.sig`;
const IDENTITY = 'https://github.com/acme/api/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

let sigstore: LocalSigstore;
beforeAll(async () => {
  sigstore = await localSigstore();
});

const rootOf = (s: LocalSigstore): TrustRootSource => ({ trustedRoot: async () => s.trustedRoot });
const request = (policy = { identity: IDENTITY, issuer: ISSUER }): VerifyRequest => ({
  image: IMAGE,
  tag: '1.4.4',
  digest: DIGEST,
  verify: { cosign: policy },
});

async function verifyOne(options: Partial<KeylessOptions> & { digest?: string; tamper?: boolean } = {}) {
  const signed = await signKeyless(sigstore, IMAGE, options.digest ?? DIGEST, {
    identity: IDENTITY,
    issuer: ISSUER,
    ...options,
  });
  const payload = options.tamper
    ? Buffer.from(signed.payload.toString().replace('"optional":null', '"optional":{}'))
    : signed.payload;
  const reader = new MemoryImageReader();
  reader.put(SIG_TAG, keylessSigManifest([{ ...signed, payload }]));
  return new CosignVerifier(reader, async (k) => k, rootOf(sigstore)).verify(request());
}

describe('keyless .sig signatures', () => {
  it('verifies a signature by the identity and issuer the policy names', async () => {
    expect(await verifyOne()).toEqual({ ok: true, digest: DIGEST, via: 'sig-tag' });
  });

  it('verifies an email identity (the SAN of a person signing interactively)', async () => {
    const signed = await signKeyless(sigstore, IMAGE, DIGEST, {
      identity: 'release@acme.example',
      issuer: 'https://accounts.google.com',
    });
    const reader = new MemoryImageReader();
    reader.put(SIG_TAG, keylessSigManifest([signed]));
    const verdict = await new CosignVerifier(reader, async (k) => k, rootOf(sigstore)).verify(
      request({ identity: 'release@acme.example', issuer: 'https://accounts.google.com' }),
    );
    expect(verdict).toMatchObject({ ok: true });
  });

  it.each<[string, () => Promise<Partial<KeylessOptions> & { digest?: string; tamper?: boolean }>, string]>([
    ['another identity', async () => ({ identity: `${IDENTITY}x` }), 'identity-mismatch'],
    [
      'an identity the policy matches only as a regular expression',
      async () => ({ identity: IDENTITY.replace('.github/', '.githubX') }),
      'identity-mismatch',
    ],
    ['another issuer', async () => ({ issuer: 'https://issuer.example.com' }), 'issuer-mismatch'],
    [
      'a certificate from a CA outside the trusted root',
      async () => ({ ca: await makeCA('rogue') }),
      'certificate-invalid',
    ],
    ['a certificate without an SCT', async () => ({ sct: false }), 'certificate-invalid'],
    [
      'a certificate expired when the entry was logged',
      async () => ({
        notBefore: new Date(Date.now() - 3_600_000),
        integratedTime: new Date(Date.now() - 60_000),
      }),
      'certificate-invalid',
    ],
    [
      'a certificate not yet valid when the entry was logged',
      async () => ({
        notBefore: new Date(Date.now() - 60_000),
        integratedTime: new Date(Date.now() - 120_000),
      }),
      'certificate-invalid',
    ],
    // The log entry names the payload's hash: a changed payload is caught there first.
    ['a tampered payload', async () => ({ tamper: true }), 'tlog-invalid'],
    ['a signature of another digest', async () => ({ digest: OTHER }), 'digest-mismatch'],
    [
      'a payload naming another repository',
      async () => ({ payload: simpleSigningPayload('registry.example.com/shop/web', DIGEST) }),
      'reference-mismatch',
    ],
    ['no transparency-log entry', async () => ({ tlog: false }), 'tlog-invalid'],
    [
      'an entry timestamp signed by a key that is not the log’s',
      async () => ({ rekorKey: (await localSigstore()).rekor }),
      'tlog-invalid',
    ],
  ])('refuses %s, naming the check', async (_name, options, check) => {
    const verdict = await verifyOne(await options());
    expect(verdict).toMatchObject({ ok: false, check, digest: DIGEST });
  });

  it('refuses a signature whose log entry is about another signature', async () => {
    const good = await signKeyless(sigstore, IMAGE, DIGEST, { identity: IDENTITY, issuer: ISSUER });
    const other = await signKeyless(sigstore, IMAGE, DIGEST, { identity: IDENTITY, issuer: ISSUER });
    const reader = new MemoryImageReader();
    const annotations = {
      ...good.annotations,
      'dev.sigstore.cosign/bundle': other.annotations['dev.sigstore.cosign/bundle']!,
    };
    reader.put(SIG_TAG, keylessSigManifest([{ payload: good.payload, annotations }]));
    const verdict = await new CosignVerifier(reader, async (k) => k, rootOf(sigstore)).verify(request());
    expect(verdict).toMatchObject({ ok: false, check: 'tlog-invalid' });
  });

  it('refuses a key-based signature under a keyless policy', async () => {
    const reader = new MemoryImageReader();
    const signed = await signKeyless(sigstore, IMAGE, DIGEST, { identity: IDENTITY, issuer: ISSUER });
    const { 'dev.sigstore.cosign/certificate': _c, ...bare } = signed.annotations;
    reader.put(SIG_TAG, keylessSigManifest([{ payload: signed.payload, annotations: bare }]));
    const verdict = await new CosignVerifier(reader, async (k) => k, rootOf(sigstore)).verify(request());
    expect(verdict).toMatchObject({ ok: false, check: 'certificate-invalid' });
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'a certificate annotation without PEM',
      { 'dev.sigstore.cosign/certificate': 'hello' },
      'certificate-invalid',
    ],
    [
      'a PEM certificate that is not X.509',
      { 'dev.sigstore.cosign/certificate': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' },
      'certificate-invalid',
    ],
    [
      'a certificate annotation of a megabyte of PEM headers',
      { 'dev.sigstore.cosign/certificate': '-----BEGIN CERTIFICATE-----\n'.repeat(40_000) },
      'certificate-invalid',
    ],
    ['a Rekor bundle annotation that is not JSON', { 'dev.sigstore.cosign/bundle': '{' }, 'tlog-invalid'],
    [
      'a Rekor bundle whose body is not JSON',
      {
        'dev.sigstore.cosign/bundle': JSON.stringify({
          SignedEntryTimestamp: 'AAAA',
          Payload: { body: 'AAAA', integratedTime: 1, logIndex: 0, logID: 'a'.repeat(64) },
        }),
      },
      'tlog-invalid',
    ],
  ])('refuses %s with a clear check, without throwing', async (_name, override, check) => {
    const signed = await signKeyless(sigstore, IMAGE, DIGEST, { identity: IDENTITY, issuer: ISSUER });
    const reader = new MemoryImageReader();
    reader.put(
      SIG_TAG,
      keylessSigManifest([{ payload: signed.payload, annotations: { ...signed.annotations, ...override } }]),
    );
    const verdict = await new CosignVerifier(reader, async (k) => k, rootOf(sigstore)).verify(request());
    expect(verdict).toMatchObject({ ok: false, check });
  });

  it('refuses a key-signed bundle referrer under a keyless policy, saying a certificate is needed', async () => {
    const key = generateKey();
    const reader = new MemoryImageReader();
    reader.put(
      'r',
      bundleReferrer(dsseBundle(key, IMAGE, DIGEST), { digest: DIGEST, mediaType: 'x', size: 1 }),
    );
    const verdict = await new CosignVerifier(reader, async (k) => k, rootOf(sigstore)).verify(request());
    expect(verdict).toMatchObject({ ok: false, check: 'certificate-invalid' });
    expect(verdict.ok === false && verdict.detail).toContain('needs a Fulcio certificate');
  });

  it('verifies when one of several signatures is good, and says how many failed otherwise', async () => {
    const wrong = await signKeyless(sigstore, IMAGE, DIGEST, { identity: 'x@y.example', issuer: ISSUER });
    const good = await signKeyless(sigstore, IMAGE, DIGEST, { identity: IDENTITY, issuer: ISSUER });
    const reader = new MemoryImageReader();
    reader.put(SIG_TAG, keylessSigManifest([wrong, good]));
    const verifier = new CosignVerifier(reader, async (k) => k, rootOf(sigstore));
    expect(await verifier.verify(request())).toMatchObject({ ok: true });
    reader.put(SIG_TAG, keylessSigManifest([wrong, wrong]));
    const refused = await verifier.verify(request());
    expect(refused).toMatchObject({ ok: false, check: 'identity-mismatch' });
    expect(refused.ok === false && refused.detail).toContain('and 1 more');
  });

  it('holds, never verifies, when the trusted root cannot be loaded', async () => {
    const reader = new MemoryImageReader();
    reader.put(
      SIG_TAG,
      keylessSigManifest([
        await signKeyless(sigstore, IMAGE, DIGEST, { identity: IDENTITY, issuer: ISSUER }),
      ]),
    );
    const failing: TrustRootSource = {
      trustedRoot: async () => {
        throw new TrustRootError('the TUF repository did not answer');
      },
    };
    const garbage: TrustRootSource = { trustedRoot: async () => ({ tlogs: 'no' }) };
    for (const source of [failing, garbage]) {
      const verdict = await new CosignVerifier(reader, async (k) => k, source).verify(request());
      expect(verdict).toMatchObject({ ok: false, check: 'trust-root-unavailable' });
    }
  });

  it('costs two registry requests, like a key-based check', async () => {
    const reader = new MemoryImageReader();
    reader.put(
      SIG_TAG,
      keylessSigManifest([
        await signKeyless(sigstore, IMAGE, DIGEST, { identity: IDENTITY, issuer: ISSUER }),
      ]),
    );
    await new CosignVerifier(reader, async (k) => k, rootOf(sigstore)).verify(request());
    expect(reader.requests).toBe(2);
  });
});

describe('keyless Sigstore bundle referrers (v0.3, DSSE)', () => {
  const SUBJECT = { digest: DIGEST, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100 };

  async function verifyBundle(options: Partial<KeylessOptions> & { digest?: string; tamper?: boolean } = {}) {
    let bundle = await keylessDsseBundle(sigstore, IMAGE, options.digest ?? DIGEST, {
      identity: IDENTITY,
      issuer: ISSUER,
      ...options,
    });
    if (options.tamper) {
      const parsed = JSON.parse(bundle.toString());
      parsed.dsseEnvelope.payload = inTotoStatement(`${IMAGE}-x`, DIGEST).toString('base64');
      bundle = Buffer.from(JSON.stringify(parsed));
    }
    const reader = new MemoryImageReader();
    reader.put('referrer', bundleReferrer(bundle, SUBJECT));
    return new CosignVerifier(reader, async (k) => k, rootOf(sigstore)).verify(request());
  }

  it('verifies a bundle by the identity and issuer the policy names', async () => {
    expect(await verifyBundle()).toEqual({ ok: true, digest: DIGEST, via: 'referrer' });
  });

  it.each<[string, () => Promise<Partial<KeylessOptions> & { digest?: string; tamper?: boolean }>, string]>([
    ['another identity', async () => ({ identity: 'someone@else.example' }), 'identity-mismatch'],
    ['another issuer', async () => ({ issuer: 'https://gitlab.com' }), 'issuer-mismatch'],
    ['a certificate from another CA', async () => ({ ca: await makeCA('rogue') }), 'certificate-invalid'],
    ['a tampered statement', async () => ({ tamper: true }), 'tlog-invalid'],
    ['a statement about another digest', async () => ({ digest: OTHER }), 'digest-mismatch'],
    ['no transparency-log entry', async () => ({ tlog: false }), 'tlog-invalid'],
    [
      'a log entry signed by another key',
      async () => ({ rekorKey: (await localSigstore()).rekor }),
      'tlog-invalid',
    ],
  ])('refuses %s, naming the check', async (_name, options, check) => {
    expect(await verifyBundle(await options())).toMatchObject({ ok: false, check });
  });
});

describe('keyless through the lazily loaded verifier', () => {
  it('verifies with the trusted root it is given, and remembers the verdict', async () => {
    const reader = new MemoryImageReader();
    reader.put(
      SIG_TAG,
      keylessSigManifest([
        await signKeyless(sigstore, IMAGE, DIGEST, { identity: IDENTITY, issuer: ISSUER }),
      ]),
    );
    let loads = 0;
    const verifier = lazySignatureVerifier({
      reader,
      trustRoot: { trustedRoot: async () => (loads++, sigstore.trustedRoot) },
    });
    expect(await verifier.verify(request())).toMatchObject({ ok: true, via: 'sig-tag' });
    expect(await verifier.verify(request())).toMatchObject({ ok: true });
    expect(reader.requests).toBe(2);
    expect(loads).toBe(1);
    expect(await verifier.verify(request({ identity: 'x@y.example', issuer: ISSUER }))).toMatchObject({
      ok: false,
      check: 'identity-mismatch',
    });
  });
});
