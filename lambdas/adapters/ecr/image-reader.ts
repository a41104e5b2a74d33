/**
 * The image reader of ECR: manifests through `BatchGetImage`, blobs through
 * `GetDownloadUrlForLayer` and an HTTPS GET of the pre-signed URL it answers (no credentials
 * travel with it), both granted on the watched repositories only. Referrers: the referrers tag
 * schema (`sha256-<hex>`); ECR's referrers API is on its registry endpoint only, which needs
 * `ecr:GetAuthorizationToken` on every resource (docs/security.md).
 */
import {
  BatchGetImageCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  type ImageIdentifier,
} from '@aws-sdk/client-ecr';
import { SHA256_DIGEST } from '../../core/image/reference.ts';
import {
  ImageReadError,
  type Descriptor,
  type ImageReader,
  type ImageReadErrorCode,
  type ManifestRead,
} from '../../ports/image-reader.ts';
import {
  checkDigest,
  manifestMediaType,
  MANIFEST_MEDIA_TYPES,
  readBounded,
  referrersOf,
  sha256Digest,
} from '../registry/manifests.ts';
import { toEcrError, type EcrErrorCode } from './errors.ts';
import { parseEcrImage, type EcrRepositoryId } from './image.ts';

export interface EcrImageReaderOptions {
  /** One client per region: an image's region comes from its registry host. */
  readonly clientFor?: (region: string) => ECRClient;
  readonly fetch?: typeof fetch;
  /** Per blob download. @default 10_000 */
  readonly timeoutMs?: number;
}

const CODES: Record<EcrErrorCode, ImageReadErrorCode> = {
  ECR_THROTTLED: 'IMAGE_READ_UNAVAILABLE',
  ECR_UNAVAILABLE: 'IMAGE_READ_UNAVAILABLE',
  ECR_REPOSITORY_NOT_FOUND: 'IMAGE_READ_FAILED',
  ECR_ACCESS_DENIED: 'IMAGE_READ_UNAUTHORIZED',
  ECR_NOT_AN_ECR_IMAGE: 'IMAGE_READ_NOT_SUPPORTED',
  ECR_TOO_MANY_IMAGES: 'IMAGE_READ_FAILED',
  ECR_REQUEST_FAILED: 'IMAGE_READ_FAILED',
};

/** BatchGetImage failure codes that mean "no such image", an answer rather than an error. */
const NOT_FOUND = new Set(['ImageNotFound', 'ImageReferencedByManifestList', 'ImageTagDoesNotMatchDigest']);

export class EcrImageReader implements ImageReader {
  private readonly clients = new Map<string, ECRClient>();
  private readonly clientFor: (region: string) => ECRClient;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: EcrImageReaderOptions = {}) {
    this.clientFor = options.clientFor ?? ((region) => new ECRClient({ region, maxAttempts: 4 }));
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  supports(image: string): boolean {
    return parseEcrImage(image) !== undefined;
  }

  async manifest(image: string, reference: string): Promise<ManifestRead | undefined> {
    const repo = this.repo(image);
    const imageId: ImageIdentifier = SHA256_DIGEST.test(reference)
      ? { imageDigest: reference }
      : { imageTag: reference };
    const what = `BatchGetImage ${repo.repositoryName}@${reference}`;
    const answer = await this.call(what, () =>
      this.client(repo.region).send(
        new BatchGetImageCommand({
          registryId: repo.registryId,
          repositoryName: repo.repositoryName,
          imageIds: [imageId],
          acceptedMediaTypes: [...MANIFEST_MEDIA_TYPES],
        }),
      ),
    );
    const found = answer.images?.[0];
    if (!found?.imageManifest) {
      const failure = answer.failures?.[0]?.failureCode;
      if (failure === undefined || NOT_FOUND.has(failure)) return undefined;
      throw new ImageReadError('IMAGE_READ_FAILED', `${what}: ${failure}`);
    }
    // ECR keeps the manifest as pushed; its digest is over these bytes.
    const bytes = Buffer.from(found.imageManifest, 'utf8');
    const digest = found.imageId?.imageDigest ?? sha256Digest(bytes);
    checkDigest(bytes, digest, what);
    return { digest, mediaType: manifestMediaType(bytes, found.imageManifestMediaType), bytes };
  }

  async blob(image: string, digest: string, maxBytes: number): Promise<Uint8Array | undefined> {
    const repo = this.repo(image);
    const what = `GetDownloadUrlForLayer ${repo.repositoryName}@${digest}`;
    let url: string | undefined;
    try {
      const answer = await this.client(repo.region).send(
        new GetDownloadUrlForLayerCommand({
          registryId: repo.registryId,
          repositoryName: repo.repositoryName,
          layerDigest: digest,
        }),
      );
      url = answer.downloadUrl;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'LayersNotFoundException' || name === 'LayerInaccessibleException') return undefined;
      throw translate(toEcrError(error, what));
    }
    if (!url) throw new ImageReadError('IMAGE_READ_BAD_RESPONSE', `${what}: no download URL`);
    let response: Response;
    try {
      response = await this.fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
    } catch (error) {
      throw new ImageReadError('IMAGE_READ_UNAVAILABLE', `${what}: the download did not answer`, {
        retryable: true,
        cause: error,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ImageReadError(
        'IMAGE_READ_UNAVAILABLE',
        `${what}: the download answered ${response.status}`,
        {
          retryable: response.status >= 500 || response.status === 429,
        },
      );
    }
    const bytes = await readBounded(response, maxBytes, what);
    checkDigest(bytes, digest, what);
    return bytes;
  }

  async referrers(image: string, digest: string, artifactType?: string): Promise<readonly Descriptor[]> {
    const index = await this.manifest(image, digest.replace(':', '-'));
    return index ? referrersOf(index.bytes, artifactType, `${image} referrers of ${digest}`) : [];
  }

  private repo(image: string): EcrRepositoryId {
    const repo = parseEcrImage(image);
    if (!repo) throw new ImageReadError('IMAGE_READ_NOT_SUPPORTED', `${image} is not an ECR image`);
    return repo;
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translate(toEcrError(error, what));
    }
  }

  private client(region: string): ECRClient {
    let client = this.clients.get(region);
    if (!client) this.clients.set(region, (client = this.clientFor(region)));
    return client;
  }
}

function translate(error: ReturnType<typeof toEcrError>): ImageReadError {
  return new ImageReadError(CODES[error.code], error.message, { retryable: error.retryable, cause: error });
}
