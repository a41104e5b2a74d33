/**
 * Reads what a registry holds about one image, beyond its tags: a manifest by tag or digest,
 * a blob by digest, and the OCI 1.1 referrers of a digest. Signature verification reads
 * signatures through it; provenance will read attestations the same way. ECR
 * (`BatchGetImage`, `GetDownloadUrlForLayer`) and the OCI distribution API implement it.
 *
 * Not found is an expected answer (`undefined`), not an error: an image's signature often
 * arrives seconds after the image. Everything else fails with `ImageReadError`.
 */
import { ImageUpdaterError } from '../errors.ts';

/** A manifest as the registry stored it: verify signatures over `bytes`, not over a re-serialisation. */
export interface ManifestRead {
  /** `sha256:…` of `bytes`, checked by the adapter. */
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

/** An OCI descriptor, as a referrers index lists it. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageReader {
  /** Whether this reader knows the registry of `image` (`registry/repository`, no tag). */
  supports(image: string): boolean;
  /** The manifest (or index) a tag or a digest names; undefined when there is none. */
  manifest(image: string, reference: string): Promise<ManifestRead | undefined>;
  /**
   * A blob of the repository, at most `maxBytes` long; its sha256 is checked against `digest`.
   * Undefined when there is none.
   */
  blob(image: string, digest: string, maxBytes: number): Promise<Uint8Array | undefined>;
  /**
   * The manifests whose `subject` is `digest`: the referrers API, or the `sha256-<hex>` tag of
   * the referrers tag schema where the registry has no such API. Filtered by artifact type when
   * given.
   */
  referrers(image: string, digest: string, artifactType?: string): Promise<readonly Descriptor[]>;
}

export type ImageReadErrorCode =
  /** The registry refused the credentials, or none were configured for it. */
  | 'IMAGE_READ_UNAUTHORIZED'
  /** Throttled, 5xx, timeout, connection refused: a later try may work. */
  | 'IMAGE_READ_UNAVAILABLE'
  /** An answer outside the distribution spec, or bytes whose digest is not the one asked for. */
  | 'IMAGE_READ_BAD_RESPONSE'
  /** A manifest or blob larger than the reader accepts. */
  | 'IMAGE_READ_TOO_LARGE'
  /** No reader knows this registry. */
  | 'IMAGE_READ_NOT_SUPPORTED'
  | 'IMAGE_READ_FAILED';

export class ImageReadError extends ImageUpdaterError {
  constructor(
    readonly code: ImageReadErrorCode,
    message: string,
    options: { readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
