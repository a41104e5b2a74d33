/**
 * Signature verification (SPEC §3 `verify`): what a policy asks for, and the verdict on one
 * digest. The verdict is a value, never an exception: an unsigned image is an expected answer.
 */

/** `verify.cosign` of a policy: a public key (PEM, or the ARN of a secret holding it), or keyless. */
type CosignPolicy = { readonly key: string } | { readonly identity: string; readonly issuer: string };

export interface VerifyPolicy {
  readonly cosign: CosignPolicy;
}

/**
 * The check that failed, stable (it is what the dashboard and the logs show):
 * - `signature-missing`: no signature for the digest (yet): the push is held;
 * - `signature-invalid`: signatures exist, none verifies with the policy's key;
 * - `payload-invalid`: a signed payload that is not a cosign image signature, or its bytes are
 *   not the ones the signature manifest names;
 * - `digest-mismatch`: the payload signs another digest;
 * - `reference-mismatch`: the payload names another repository;
 * - `key-unusable`: the policy's key cannot be read or is not a public key;
 * - `image-missing`: the tag or digest to verify is not in the registry;
 * - `registry-unreadable`: the registry refused to show it (credentials, permissions);
 * - `identity-mismatch`: keyless: a valid certificate, for another identity (subject alternative name);
 * - `issuer-mismatch`: keyless: a valid certificate, from another OIDC issuer;
 * - `certificate-invalid`: keyless: the certificate does not chain to a trusted CA, was not valid
 *   when the log integrated the signature, or its embedded SCT does not verify;
 * - `tlog-invalid`: keyless: no transparency-log entry, or one the trusted log did not sign, or
 *   one about another signature;
 * - `trust-root-unavailable`: keyless: the trusted root (CAs and log keys) could not be loaded
 *   now: held, never verified;
 * - `not-checked`: nothing here reads registries (`plan`): held, never proposed unchecked.
 */
export type VerifyCheck =
  | 'signature-missing'
  | 'signature-invalid'
  | 'payload-invalid'
  | 'digest-mismatch'
  | 'reference-mismatch'
  | 'key-unusable'
  | 'image-missing'
  | 'registry-unreadable'
  | 'identity-mismatch'
  | 'issuer-mismatch'
  | 'certificate-invalid'
  | 'tlog-invalid'
  | 'trust-root-unavailable'
  | 'not-checked';

export type Verdict =
  | {
      readonly ok: true;
      /** The digest that verified: the pushed one, or the one the tag named when read. */
      readonly digest: string;
      /** Where the valid signature was: `sig-tag` (`sha256-<hex>.sig`) or `referrer` (Sigstore bundle). */
      readonly via: 'sig-tag' | 'referrer';
    }
  | {
      readonly ok: false;
      readonly check: VerifyCheck;
      /** One sentence for a person: what was checked and what was found. */
      readonly detail: string;
      readonly digest?: string;
      /** Set by the gate: true while a later push or run may still release it, false when refused. */
      readonly held?: boolean;
      /**
       * Set by the gate on a held verdict: when to look again without a push (the signature's own
       * push usually comes first), and the push to look at.
       */
      readonly recheck?: {
        readonly at: Date;
        readonly tag: string;
        readonly digest?: string;
        readonly pushedAt: Date;
      };
    };

export interface VerifyRequest {
  /** `registry/repository` as the policy names it. */
  readonly image: string;
  readonly tag: string;
  /** The pushed digest; the tag's current digest is read when absent. */
  readonly digest?: string;
  readonly verify: VerifyPolicy;
}
