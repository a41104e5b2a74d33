/** Image readers by registry: ECR's, then the OCI distribution API's for the rest. */
import { ImageReadError, type ImageReader } from '../../ports/image-reader.ts';

/** The first reader that knows the image's registry reads it. */
export function combineImageReaders(readers: readonly ImageReader[]): ImageReader {
  const pick = (image: string) => {
    const reader = readers.find((r) => r.supports(image));
    if (!reader)
      throw new ImageReadError('IMAGE_READ_NOT_SUPPORTED', `${image}: no image reader for this registry`);
    return reader;
  };
  return {
    supports: (image) => readers.some((r) => r.supports(image)),
    manifest: (image, reference) => pick(image).manifest(image, reference),
    blob: (image, digest, maxBytes) => pick(image).blob(image, digest, maxBytes),
    referrers: (image, digest, artifactType) => pick(image).referrers(image, digest, artifactType),
  };
}
