/**
 * The trust root keyless signatures are checked against: the Fulcio CA chains, the CT log keys
 * and the Rekor (transparency log) keys of a Sigstore instance, as Sigstore's `trusted_root.json`
 * (the JSON form of its TrustedRoot message). Production loads the public good instance's through
 * its TUF repository; tests pass a locally made one.
 */
import { ImageUpdaterError } from '../errors.ts';

export interface TrustRootSource {
  /** The trusted root as parsed JSON. Fails with `TrustRootError` when it cannot be had now. */
  trustedRoot(): Promise<unknown>;
}

export class TrustRootError extends ImageUpdaterError {
  readonly code = 'TRUST_ROOT_UNAVAILABLE';
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super(message, { retryable: true, ...options });
  }
}
