/**
 * An `ImageReader` over a map, for the verifier's table tests: what a registry would hold,
 * with the real reader's digest checks, and referrers derived from the manifests' `subject`.
 * It counts requests as the distribution API would see them.
 */
import {
  ImageReadError,
  type Descriptor,
  type ImageReader,
  type ManifestRead,
} from '../../lambdas/ports/image-reader.ts';
import type { Artifact, Blob } from './cosign.ts';

export class MemoryImageReader implements ImageReader {
  readonly manifests = new Map<string, Blob>();
  readonly blobs = new Map<string, Buffer>();
  requests = 0;

  put(reference: string, artifact: Artifact): void {
    this.manifests.set(reference, artifact.manifest);
    this.manifests.set(artifact.manifest.digest, artifact.manifest);
    for (const b of artifact.blobs) this.blobs.set(b.digest, b.bytes);
  }

  supports(): boolean {
    return true;
  }

  async manifest(_image: string, reference: string): Promise<ManifestRead | undefined> {
    this.requests += 1;
    const m = this.manifests.get(reference);
    return m ? { digest: m.digest, mediaType: m.mediaType, bytes: m.bytes } : undefined;
  }

  async blob(_image: string, digest: string, maxBytes: number): Promise<Uint8Array | undefined> {
    this.requests += 1;
    const bytes = this.blobs.get(digest);
    if (bytes && bytes.length > maxBytes)
      throw new ImageReadError('IMAGE_READ_TOO_LARGE', `${digest}: too large`);
    return bytes;
  }

  async referrers(_image: string, digest: string, artifactType?: string): Promise<readonly Descriptor[]> {
    this.requests += 1;
    const found: Descriptor[] = [];
    for (const [ref, m] of this.manifests) {
      if (ref !== m.digest) continue;
      const doc = JSON.parse(m.bytes.toString()) as { subject?: { digest?: string }; artifactType?: string };
      if (doc.subject?.digest !== digest) continue;
      if (artifactType !== undefined && doc.artifactType !== artifactType) continue;
      found.push({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.size,
        ...(doc.artifactType ? { artifactType: doc.artifactType } : {}),
      });
    }
    return found;
  }
}
