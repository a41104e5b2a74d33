/**
 * Cosign signature verification of one digest, with the Sigstore libraries: the classic layout
 * (the `sha256-<hex>.sig` tag: one layer per signature, the simple-signing payload as the blob,
 * the signature in the `dev.cosignproject.cosign/signature` annotation) and OCI 1.1 referrers
 * holding a Sigstore bundle (`application/vnd.dev.sigstore.bundle.v0.3+json`). A digest verifies
 * when one signature verifies with the policy's key, or keyless with the policy's identity and
 * issuer (`keyless.ts`), and names that digest (and, for a `.sig` payload, the repository).
 *
 * Loaded on first use only (`lazy-verifier.ts`): the libraries are a chunk of their own.
 */
import { bundleFromJSON, toMessageSignatureBundle, type Bundle } from '@sigstore/bundle';
import { crypto } from '@sigstore/core';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import * as z from 'zod';
import { checkSimpleSigning, checkStatement, type PayloadProblem } from '../../core/verify/payload.ts';
import type { Verdict, VerifyCheck, VerifyRequest } from '../../core/verify/types.ts';
import { ImageUpdaterError } from '../../errors.ts';
import type { Descriptor, ImageReader } from '../../ports/image-reader.ts';
import type { SignatureVerifier } from '../../ports/signature-verifier.ts';
import { TrustRootError, type TrustRootSource } from '../../ports/trust-root.ts';
import { checkKeyless, keylessVerifier, sigLayerBundle } from './keyless.ts';

const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const BUNDLE_ARTIFACT_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A payload is a few hundred bytes; a bundle a few KiB. Anything far bigger is not one. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_BUNDLE_BYTES = 1024 * 1024;
/** Signatures read per digest: a hostile registry cannot make a run endless. */
const MAX_SIGNATURES = 16;

/** The PEM text of a policy's `key`: itself, or the secret an ARN names. */
export type KeyText = (key: string) => Promise<string>;

const ManifestSchema = z.looseObject({
  layers: z
    .array(
      z.looseObject({
        mediaType: z.string().max(256),
        digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
        annotations: z.record(z.string(), z.string()).optional(),
      }),
    )
    .max(256),
});

interface Failure {
  readonly check: VerifyCheck;
  readonly detail: string;
}

/**
 * One way of trusting a signature: the policy's key, or keyless (a certificate checked against
 * the trusted root, for the policy's identity and issuer).
 */
interface Trust {
  readonly keyless: boolean;
  verify(bundle: Bundle, artifact: Buffer | undefined): PayloadProblem;
}

export class CosignVerifier implements SignatureVerifier {
  constructor(
    private readonly reader: ImageReader,
    private readonly keyText: KeyText,
    private readonly trustRoot?: TrustRootSource,
  ) {}

  /** One verifier per trusted root the source hands out (it changes when the root is refreshed). */
  private keyless?: { readonly root: unknown; readonly verifier: Verifier };

  async verify(request: VerifyRequest): Promise<Verdict> {
    const { image } = request;
    const cosign = request.verify.cosign;
    let digest = request.digest;
    if (digest === undefined) {
      const manifest = await this.reader.manifest(image, request.tag);
      if (!manifest)
        return {
          ok: false,
          check: 'image-missing',
          detail: `${image}:${request.tag} is not in the registry`,
        };
      digest = manifest.digest;
    }
    const trust = 'key' in cosign ? await this.keyTrust(cosign.key) : await this.keylessTrust(cosign);
    if (!('verify' in trust)) return { ok: false, ...trust, digest };
    const failures: Failure[] = [];
    const classic = await this.sigTag(image, digest, trust, failures);
    if (classic) return { ok: true, digest, via: 'sig-tag' };
    const referrer = await this.referrers(image, digest, trust, failures);
    if (referrer) return { ok: true, digest, via: 'referrer' };
    const first = failures[0];
    if (!first)
      return { ok: false, check: 'signature-missing', detail: `no signature for ${digest}`, digest };
    const others = failures.length > 1 ? ` (and ${failures.length - 1} more invalid signatures)` : '';
    return { ok: false, check: first.check, detail: `${first.detail}${others}`, digest };
  }

  private async keyTrust(ref: string): Promise<Trust | Failure> {
    const key = await this.publicKey(ref);
    if ('check' in key) return key;
    const verifier = new Verifier(
      toTrustMaterial(
        { mediaType: '', certificateAuthorities: [], ctlogs: [], tlogs: [], timestampAuthorities: [] },
        () => ({ publicKey: key.object, validFor: () => true }),
      ),
      { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 },
    );
    return { keyless: false, verify: (bundle, artifact) => check(verifier, bundle, artifact) };
  }

  /** Keyless: the trusted root now (a refresh may replace it), never a verdict without one. */
  private async keylessTrust(policy: { identity: string; issuer: string }): Promise<Trust | Failure> {
    const unavailable = (why: string): Failure => ({
      check: 'trust-root-unavailable',
      detail: `the Sigstore trusted root could not be loaded (${why}); checked again later`,
    });
    if (!this.trustRoot) return unavailable('none configured');
    let root: unknown;
    try {
      root = await this.trustRoot.trustedRoot();
    } catch (error) {
      if (error instanceof TrustRootError) return { check: 'trust-root-unavailable', detail: error.message };
      throw error;
    }
    let verifier = this.keyless?.root === root ? this.keyless?.verifier : undefined;
    if (!verifier) {
      try {
        verifier = keylessVerifier(root);
      } catch {
        return unavailable('not a Sigstore trusted root');
      }
      this.keyless = { root, verifier };
    }
    const chosen = verifier;
    return {
      keyless: true,
      verify: (bundle, artifact) => checkKeyless(chosen, bundle, artifact, policy),
    };
  }

  private async publicKey(ref: string): Promise<{ object: crypto.KeyObject } | Failure> {
    let text: string;
    try {
      text = await this.keyText(ref);
    } catch (error) {
      if (error instanceof ImageUpdaterError && error.retryable) throw error;
      const code = error instanceof ImageUpdaterError ? error.code : 'ERROR';
      return { check: 'key-unusable', detail: `the key could not be read (${code})` };
    }
    // Node would derive the public key from a private one; a private key in a config is a leak.
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
      return {
        check: 'key-unusable',
        detail: 'a private key was given: give the public key, and replace the exposed key',
      };
    try {
      return { object: crypto.createPublicKey(text.trim()) };
    } catch {
      return { check: 'key-unusable', detail: 'the key is not a PEM public key' };
    }
  }

  /** The classic layout: each layer of the `.sig` manifest is one signature. */
  private async sigTag(image: string, digest: string, trust: Trust, failures: Failure[]): Promise<boolean> {
    const manifest = await this.reader.manifest(image, `${digest.replace(':', '-')}.sig`);
    if (!manifest) return false;
    const parsed = ManifestSchema.safeParse(json(manifest.bytes));
    if (!parsed.success) {
      failures.push({ check: 'payload-invalid', detail: 'the .sig manifest is not an OCI image manifest' });
      return false;
    }
    const layers = parsed.data.layers.filter((l) => l.annotations?.[SIGNATURE_ANNOTATION] !== undefined);
    for (const layer of layers.slice(0, MAX_SIGNATURES)) {
      const payload = await unless(this.reader.blob(image, layer.digest, MAX_PAYLOAD_BYTES), failures);
      if (payload === null) continue;
      if (!payload) {
        failures.push({ check: 'payload-invalid', detail: `the signed payload ${layer.digest} is missing` });
        continue;
      }
      const signature = Buffer.from(layer.annotations![SIGNATURE_ANNOTATION]!, 'base64');
      const bundle = trust.keyless
        ? sigLayerBundle(layer.annotations!, signature, payload)
        : toMessageSignatureBundle({ digest: crypto.digest('sha256', payload), signature });
      if ('check' in bundle) {
        failures.push(bundle);
        continue;
      }
      const problem =
        trust.verify(bundle, Buffer.from(payload)) ?? checkSimpleSigning(payload, image, digest);
      if (!problem) return true;
      failures.push(problem);
    }
    return false;
  }

  /** OCI 1.1 referrers holding a Sigstore bundle. */
  private async referrers(
    image: string,
    digest: string,
    trust: Trust,
    failures: Failure[],
  ): Promise<boolean> {
    const found: readonly Descriptor[] = await this.reader.referrers(image, digest, BUNDLE_ARTIFACT_TYPE);
    for (const descriptor of found.slice(0, MAX_SIGNATURES)) {
      const manifest = await unless(this.reader.manifest(image, descriptor.digest), failures);
      const layer = manifest ? ManifestSchema.safeParse(json(manifest.bytes)).data?.layers[0] : undefined;
      const bytes = layer
        ? await unless(this.reader.blob(image, layer.digest, MAX_BUNDLE_BYTES), failures)
        : undefined;
      if (manifest === null || bytes === null) continue;
      if (!bytes) {
        failures.push({
          check: 'payload-invalid',
          detail: `the bundle of referrer ${descriptor.digest} is missing`,
        });
        continue;
      }
      let bundle: Bundle;
      try {
        bundle = bundleFromJSON(json(bytes));
      } catch {
        failures.push({
          check: 'payload-invalid',
          detail: `referrer ${descriptor.digest} is not a Sigstore bundle`,
        });
        continue;
      }
      if (bundle.content.$case !== 'dsseEnvelope') {
        failures.push({
          check: 'payload-invalid',
          detail: `referrer ${descriptor.digest}: a message-signature bundle does not name the image; a DSSE in-toto statement does`,
        });
        continue;
      }
      const problem =
        trust.verify(bundle, undefined) ?? checkStatement(bundle.content.dsseEnvelope.payload, digest);
      if (!problem) return true;
      failures.push(problem);
    }
    return false;
  }
}

/**
 * The signature, by the library, against the one key the policy names. The transparency log
 * entries and timestamps are not checked (like `cosign verify --key … --insecure-ignore-tlog`):
 * key-based trust rests on the key alone; see docs/security.md.
 */
function check(verifier: Verifier, bundle: Bundle, artifact: Buffer | undefined): PayloadProblem {
  try {
    const entity = toSignedEntity(bundle, artifact);
    verifier.verify({ ...entity, tlogEntries: [], timestamps: [], key: { $case: 'public-key', hint: '' } });
    return undefined;
  } catch {
    return { check: 'signature-invalid', detail: "the signature does not verify with the policy's key" };
  }
}

/**
 * One signature's read: a signature the registry will not hand over as asked (too large, bytes
 * of another digest) is an invalid signature, and the others are still tried (`null`). A
 * registry that may answer later throws: the run is tried again.
 */
async function unless<T>(read: Promise<T>, failures: Failure[]): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (!(error instanceof ImageUpdaterError) || error.retryable) throw error;
    failures.push({ check: 'payload-invalid', detail: `a signature could not be read (${error.code})` });
    return null;
  }
}

function json(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
