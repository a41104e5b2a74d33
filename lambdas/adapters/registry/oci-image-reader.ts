/**
 * The image reader of the OCI distribution API (every registry but ECR), authorised by the
 * session the tag lister uses: `GET /v2/<name>/manifests/<reference>`, `/blobs/<digest>`, and
 * `/referrers/<digest>` with the referrers tag schema (`sha256-<hex>`) where the registry has no
 * referrers API (it answers 404). A 404 of a manifest or blob is `undefined`.
 */
import { SHA256_DIGEST } from '../../core/image/reference.ts';
import {
  ImageReadError,
  type Descriptor,
  type ImageReader,
  type ImageReadErrorCode,
  type ManifestRead,
} from '../../ports/image-reader.ts';
import { parseEcrImage } from '../ecr/image.ts';
import { RegistryError, type RegistryErrorCode } from './errors.ts';
import {
  checkDigest,
  manifestMediaType,
  MANIFEST_MEDIA_TYPES,
  MAX_MANIFEST_BYTES,
  readBounded,
  referrersOf,
  sha256Digest,
} from './manifests.ts';
import { OciSession, type Location } from './oci-session.ts';

const CODES: Record<RegistryErrorCode, ImageReadErrorCode> = {
  REGISTRY_UNAUTHORIZED: 'IMAGE_READ_UNAUTHORIZED',
  REGISTRY_NOT_FOUND: 'IMAGE_READ_FAILED',
  REGISTRY_THROTTLED: 'IMAGE_READ_UNAVAILABLE',
  REGISTRY_UNAVAILABLE: 'IMAGE_READ_UNAVAILABLE',
  REGISTRY_BAD_RESPONSE: 'IMAGE_READ_BAD_RESPONSE',
  REGISTRY_TOO_MANY_TAGS: 'IMAGE_READ_FAILED',
  REGISTRY_NOT_SUPPORTED: 'IMAGE_READ_NOT_SUPPORTED',
  REGISTRY_CREDENTIALS_FORMAT: 'IMAGE_READ_UNAUTHORIZED',
  REGISTRY_REQUEST_FAILED: 'IMAGE_READ_FAILED',
};

function translate(error: unknown): unknown {
  if (!(error instanceof RegistryError)) return error;
  return new ImageReadError(CODES[error.code], error.message, { retryable: error.retryable, cause: error });
}

export class OciImageReader implements ImageReader {
  constructor(private readonly session: OciSession = new OciSession()) {}

  supports(image: string): boolean {
    return this.session.locate(image) !== undefined && parseEcrImage(image) === undefined;
  }

  async manifest(image: string, reference: string): Promise<ManifestRead | undefined> {
    const location = this.locate(image);
    const what = `${image}@${reference}`;
    const response = await this.get(
      location,
      `manifests/${reference}`,
      image,
      MANIFEST_MEDIA_TYPES.join(', '),
    );
    if (!response) return undefined;
    const bytes = await readBounded(response, MAX_MANIFEST_BYTES, what);
    if (SHA256_DIGEST.test(reference)) checkDigest(bytes, reference, what);
    return {
      digest: sha256Digest(bytes),
      mediaType: manifestMediaType(bytes, response.headers.get('content-type')),
      bytes,
    };
  }

  async blob(image: string, digest: string, maxBytes: number): Promise<Uint8Array | undefined> {
    if (!SHA256_DIGEST.test(digest))
      throw new ImageReadError('IMAGE_READ_BAD_RESPONSE', `${image}: ${digest} is not a sha256 digest`);
    const response = await this.get(this.locate(image), `blobs/${digest}`, image, '*/*');
    if (!response) return undefined;
    const bytes = await readBounded(response, maxBytes, `${image}@${digest}`);
    checkDigest(bytes, digest, `${image}@${digest}`);
    return bytes;
  }

  async referrers(image: string, digest: string, artifactType?: string): Promise<readonly Descriptor[]> {
    if (!SHA256_DIGEST.test(digest))
      throw new ImageReadError('IMAGE_READ_BAD_RESPONSE', `${image}: ${digest} is not a sha256 digest`);
    const location = this.locate(image);
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const response = await this.get(
      location,
      `referrers/${digest}${query}`,
      image,
      'application/vnd.oci.image.index.v1+json',
      // Registries from before the API answer 404, some 400 or 405: each means "no API here".
      true,
    );
    const what = `${image} referrers of ${digest}`;
    if (response)
      return referrersOf(await readBounded(response, MAX_MANIFEST_BYTES, what), artifactType, what);
    // No referrers API: the referrers tag schema's index, if any artifact was pushed with it.
    const fallback = await this.manifest(image, digest.replace(':', '-'));
    return fallback ? referrersOf(fallback.bytes, artifactType, what) : [];
  }

  private locate(image: string): Location {
    const location = this.session.locate(image);
    if (!location || parseEcrImage(image) !== undefined)
      throw new ImageReadError('IMAGE_READ_NOT_SUPPORTED', `${image} is not an OCI distribution image name`);
    return location;
  }

  /** One GET under `/v2/<name>/`; a 404 (with `absentOnRefusal`, any other 4xx the session does not name) is undefined. */
  private async get(
    location: Location,
    path: string,
    image: string,
    accept: string,
    absentOnRefusal = false,
  ) {
    const url = new URL(`${location.origin}/v2/${location.path}/${path}`);
    try {
      return await this.session.get(url, location, image, accept);
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'REGISTRY_NOT_FOUND') return undefined;
      if (absentOnRefusal && error instanceof RegistryError && error.code === 'REGISTRY_REQUEST_FAILED')
        return undefined;
      throw translate(error);
    }
  }
}
