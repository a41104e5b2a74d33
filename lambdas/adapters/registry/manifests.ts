/**
 * What the image readers share: the manifest media types asked for, bounded reads that check
 * the digest of what they read, and a referrers index read into descriptors.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ImageReadError, type Descriptor } from '../../ports/image-reader.ts';

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const;

/** The distribution spec asks registries to accept manifests of at least 4 MiB; none bigger is read. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** At most this many referrers are read per digest: a hostile registry cannot make a run endless. */
const MAX_REFERRERS = 64;

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Bytes whose sha256 must be the digest asked for (a registry, or a cache in front of it, can lie). */
export function checkDigest(bytes: Uint8Array, digest: string, what: string): void {
  if (!digest.startsWith('sha256:'))
    throw new ImageReadError('IMAGE_READ_BAD_RESPONSE', `${what}: only sha256 digests are read (${digest})`);
  if (sha256Digest(bytes) !== digest)
    throw new ImageReadError(
      'IMAGE_READ_BAD_RESPONSE',
      `${what}: the content does not have the digest ${digest}`,
    );
}

/** A response body, at most `maxBytes` long (the read stops there, whatever Content-Length says). */
export async function readBounded(response: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new ImageReadError('IMAGE_READ_TOO_LARGE', `${what}: ${declared} bytes, more than ${maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ImageReadError('IMAGE_READ_TOO_LARGE', `${what}: more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const DescriptorSchema = z.looseObject({
  mediaType: z.string().max(256),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  size: z.number().int().nonnegative(),
  artifactType: z.string().max(256).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const IndexSchema = z.looseObject({ manifests: z.array(z.unknown()).optional() });

/** The descriptors of a referrers index, filtered by artifact type; malformed entries are skipped. */
export function referrersOf(bytes: Uint8Array, artifactType: string | undefined, what: string): Descriptor[] {
  let index: z.infer<typeof IndexSchema>;
  try {
    index = IndexSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch (error) {
    throw new ImageReadError('IMAGE_READ_BAD_RESPONSE', `${what}: the referrers index is not an OCI index`, {
      cause: error,
    });
  }
  const found: Descriptor[] = [];
  for (const entry of index.manifests ?? []) {
    const parsed = DescriptorSchema.safeParse(entry);
    if (!parsed.success) continue;
    if (artifactType !== undefined && parsed.data.artifactType !== artifactType) continue;
    const { mediaType, digest, size } = parsed.data;
    found.push({
      mediaType,
      digest,
      size,
      ...(parsed.data.artifactType !== undefined ? { artifactType: parsed.data.artifactType } : {}),
      ...(parsed.data.annotations !== undefined ? { annotations: parsed.data.annotations } : {}),
    });
    if (found.length >= MAX_REFERRERS) break;
  }
  return found;
}

/** The media type of a manifest: the header the registry sent, else the document's own field. */
export function manifestMediaType(bytes: Uint8Array, header: string | null | undefined): string {
  const fromHeader = header?.split(';')[0]?.trim();
  if (fromHeader && fromHeader !== 'application/json' && fromHeader !== 'application/octet-stream')
    return fromHeader;
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown };
    if (typeof value.mediaType === 'string') return value.mediaType;
  } catch {
    // Not JSON: the caller's parse says so.
  }
  return fromHeader ?? '';
}
