/**
 * Keyless cosign signatures (a Fulcio certificate for an OIDC identity, logged in Rekor), checked
 * by `@sigstore/verify` against a Sigstore trusted root: the certificate chains to a trusted CA
 * at the time the log integrated the entry, its embedded SCT verifies with a trusted CT log key,
 * the log's signed entry timestamp verifies with a trusted Rekor key and the entry is about this
 * signature, the signature verifies with the certificate's key; then the certificate's identity
 * and issuer must equal the policy's, exactly.
 *
 * The classic `.sig` layout keeps the parts in layer annotations; they are mapped into a Sigstore
 * bundle (v0.1: message signature, certificate, tlog entry with its inclusion promise) so the
 * library does every check. A referrer already holds a bundle.
 */
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { crypto, X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { PolicyError, toSignedEntity, toTrustMaterial, VerificationError, Verifier } from '@sigstore/verify';
import * as z from 'zod';
import type { PayloadProblem } from '../../core/verify/payload.ts';
import type { VerifyCheck } from '../../core/verify/types.ts';

const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
const REKOR_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';

export interface KeylessPolicy {
  readonly identity: string;
  readonly issuer: string;
}

/**
 * A verifier over a trusted root: one transparency-log entry (its integrated time is the time
 * the certificate must be valid at) and one SCT are required, as cosign requires them.
 */
export function keylessVerifier(root: unknown): Verifier {
  const parsed = TrustedRoot.fromJSON(root);
  // An empty root would refuse everything, as the wrong thing: say the root is unusable instead.
  if (!parsed.certificateAuthorities.length || !parsed.tlogs.length || !parsed.ctlogs.length)
    throw new Error('a trusted root without CAs, transparency logs or CT logs');
  return new Verifier(toTrustMaterial(parsed), {
    tlogThreshold: 1,
    ctlogThreshold: 1,
    timestampThreshold: 1,
  });
}

/** `dev.sigstore.cosign/bundle`: Rekor's answer, the entry and its signed entry timestamp. */
const RekorBundleSchema = z.object({
  SignedEntryTimestamp: z.base64().max(1024),
  Payload: z.object({
    body: z.base64().max(64 * 1024),
    integratedTime: z.number().int().positive(),
    logIndex: z.number().int().nonnegative(),
    logID: z.string().regex(/^[a-f0-9]{64}$/),
  }),
});
const BodySchema = z.looseObject({ kind: z.string().max(64), apiVersion: z.string().max(64) });

const PEM = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/;
/** A Fulcio leaf is about 1 KiB of PEM; the annotation is searched only up to this. */
const MAX_CERTIFICATE_CHARS = 16 * 1024;

/**
 * The bundle a keyless `.sig` layer stands for: the signature over the payload, the leaf
 * certificate (the chain annotation is not needed: CAs come from the trusted root only), and the
 * Rekor entry with its inclusion promise. No `dev.sigstore.cosign/bundle` means no tlog entry,
 * which the verifier then refuses.
 */
export function sigLayerBundle(
  annotations: Readonly<Record<string, string>>,
  signature: Buffer,
  payload: Uint8Array,
): Bundle | { readonly check: VerifyCheck; readonly detail: string } {
  const pem = PEM.exec((annotations[CERTIFICATE_ANNOTATION] ?? '').slice(0, MAX_CERTIFICATE_CHARS));
  if (!pem)
    return { check: 'certificate-invalid', detail: 'the keyless signature carries no PEM certificate' };
  const der = pem[1]!.replace(/\s/g, '');
  try {
    X509Certificate.parse(Buffer.from(der, 'base64'));
  } catch {
    return { check: 'certificate-invalid', detail: 'the certificate cannot be read as X.509' };
  }
  const tlogEntries = [];
  const rekor = annotations[REKOR_BUNDLE_ANNOTATION];
  if (rekor !== undefined) {
    const parsed = RekorBundleSchema.safeParse(json(rekor));
    const body = parsed.success
      ? BodySchema.safeParse(json(Buffer.from(parsed.data.Payload.body, 'base64').toString('utf8')))
      : undefined;
    if (!parsed.success || !body?.success)
      return { check: 'tlog-invalid', detail: 'the Rekor entry (dev.sigstore.cosign/bundle) cannot be read' };
    const entry = parsed.data.Payload;
    tlogEntries.push({
      logIndex: String(entry.logIndex),
      logId: { keyId: Buffer.from(entry.logID, 'hex').toString('base64') },
      kindVersion: { kind: body.data.kind, version: body.data.apiVersion },
      integratedTime: String(entry.integratedTime),
      inclusionPromise: { signedEntryTimestamp: parsed.data.SignedEntryTimestamp },
      canonicalizedBody: entry.body,
    });
  }
  try {
    return bundleFromJSON({
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        x509CertificateChain: { certificates: [{ rawBytes: der }] },
        tlogEntries,
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      messageSignature: {
        messageDigest: {
          algorithm: 'SHA2_256',
          digest: crypto.digest('sha256', payload).toString('base64'),
        },
        signature: signature.toString('base64'),
      },
    });
  } catch {
    return { check: 'payload-invalid', detail: 'the keyless signature cannot be read as a Sigstore bundle' };
  }
}

/** Everything the library checks, then the policy: exact identity and exact issuer. */
export function checkKeyless(
  verifier: Verifier,
  bundle: Bundle,
  artifact: Buffer | undefined,
  policy: KeylessPolicy,
): PayloadProblem {
  if (bundle.verificationMaterial.content.$case === 'publicKey')
    return {
      check: 'certificate-invalid',
      detail: 'signed with a key, not a certificate: a keyless policy needs a Fulcio certificate',
    };
  let signer;
  try {
    signer = verifier.verify(toSignedEntity(bundle, artifact));
  } catch (error) {
    return failure(error);
  }
  // Exact comparison here, not the library's `subjectAlternativeName` policy, which matches the
  // string as an unanchored regular expression (a config's "." would match any character).
  const identity = signer.identity?.subjectAlternativeName;
  if (identity !== policy.identity)
    return {
      check: 'identity-mismatch',
      detail: `signed by ${identity === undefined ? 'no identity' : clip(identity)}, not ${policy.identity}`,
    };
  const issuer = signer.identity?.extensions?.issuer;
  if (issuer !== policy.issuer)
    return {
      check: 'issuer-mismatch',
      detail: `certificate issued for ${issuer === undefined ? 'no OIDC issuer' : clip(issuer)}, not ${policy.issuer}`,
    };
  return undefined;
}

/** The library's error codes, by the check they name. */
function failure(error: unknown): NonNullable<PayloadProblem> {
  const code = error instanceof VerificationError || error instanceof PolicyError ? error.code : 'ERROR';
  if (code === 'CERTIFICATE_ERROR')
    return {
      check: 'certificate-invalid',
      detail: 'the certificate does not chain to a trusted CA at the logged time, or its SCT does not verify',
    };
  if (code === 'TIMESTAMP_ERROR')
    return { check: 'tlog-invalid', detail: 'no transparency-log entry with a verified time' };
  if (code === 'TLOG_BODY_ERROR')
    return {
      check: 'tlog-invalid',
      detail:
        'the transparency-log entry is about other bytes or another signature (a tampered payload or signature)',
    };
  if (code.startsWith('TLOG_'))
    return {
      check: 'tlog-invalid',
      detail: `the transparency-log entry does not verify (${code.toLowerCase()})`,
    };
  if (code === 'SIGNATURE_ERROR')
    return {
      check: 'signature-invalid',
      detail: "the signature does not verify with its certificate's key",
    };
  // Anything else: a certificate, key or timestamp the library could not even parse.
  return {
    check: 'payload-invalid',
    detail: `the keyless signature cannot be checked (${code.toLowerCase()})`,
  };
}

const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
