/**
 * Verifies an image's signature before anything is written for it (SPEC §3 `verify`). The
 * production verifier reads the registry through `ImageReader` and checks signatures with the
 * Sigstore libraries, loaded on first use. A registry that cannot be read throws (an
 * `ImageUpdaterError` whose `retryable` says whether the event comes back); any answer about the
 * signature itself is a `Verdict`.
 */
import type { Verdict, VerifyRequest } from '../core/verify/types.ts';

export interface SignatureVerifier {
  verify(request: VerifyRequest): Promise<Verdict>;
}
