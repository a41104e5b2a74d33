/**
 * The publisher's provenance claims of one image, read through `ImageReader`: the OCI
 * annotations of an index and of an image manifest, then the labels of its config
 * (`config.Labels`, where `docker build --label` and most CI actions put them). A multi-arch
 * index is read at its own annotations first, then at one platform (linux/amd64, else the first
 * image): at most one platform manifest and one config blob after the manifest asked for, and
 * fewer as soon as the claims are all found. Manifests of other kinds (a Helm chart, a
 * signature) have no image config and cost nothing more than their own read.
 */
import * as z from 'zod';
import { ImageReadError, type ImageReader, type ManifestRead } from '../../ports/image-reader.ts';
import type { ImageProvenance } from '../../ports/provenance.ts';

/** A claim longer than this is left out, not cut: a cut URL or revision would be another claim. */
export const MAX_LABEL_CHARS = 1024;

/** Image configs are a few KiB (their history included); a bigger one is not read for its labels. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const KEYS = {
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  version: 'org.opencontainers.image.version',
  created: 'org.opencontainers.image.created',
} as const satisfies Record<keyof ImageProvenance, string>;

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const IMAGE_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
const CONFIG_TYPES = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

const Annotations = z.record(z.string(), z.unknown()).optional().catch(undefined);
const DescriptorSchema = z.looseObject({
  mediaType: z.string().optional(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  size: z.number().int().nonnegative().optional(),
  platform: z.looseObject({ os: z.string().optional(), architecture: z.string().optional() }).optional(),
});
const ManifestSchema = z.looseObject({
  mediaType: z.string().optional(),
  annotations: Annotations,
  config: DescriptorSchema.optional().catch(undefined),
  manifests: z.array(z.unknown()).optional().catch(undefined),
});
const ConfigSchema = z.looseObject({
  config: z.looseObject({ Labels: z.record(z.string(), z.unknown()).nullish().catch(undefined) }).nullish(),
});

type Mutable = { -readonly [K in keyof ImageProvenance]: ImageProvenance[K] };

/** Claims of `values` not yet in `into`; a value that is not a string, empty or too long is no claim. */
function take(into: Mutable, values: Record<string, unknown> | null | undefined): void {
  if (!values) return;
  for (const [field, key] of Object.entries(KEYS) as [keyof ImageProvenance, string][]) {
    const value = values[key];
    if (into[field] !== undefined || typeof value !== 'string') continue;
    const trimmed = value.trim();
    if (trimmed !== '' && trimmed.length <= MAX_LABEL_CHARS) into[field] = trimmed;
  }
}

const complete = (p: Mutable) => Object.keys(KEYS).every((k) => p[k as keyof ImageProvenance] !== undefined);

function parse<T>(schema: z.ZodType<T>, bytes: Uint8Array): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The platform whose config speaks for the index: linux/amd64, else the first image. */
function platformOf(manifests: readonly unknown[]): z.infer<typeof DescriptorSchema> | undefined {
  const images = manifests
    .map((m) => DescriptorSchema.safeParse(m))
    .flatMap((p) => (p.success ? [p.data] : []))
    // buildx lists its attestations as `unknown/unknown` manifests of the index.
    .filter(
      (d) => d.platform?.os !== 'unknown' && (d.mediaType === undefined || IMAGE_TYPES.has(d.mediaType)),
    );
  return images.find((d) => d.platform?.os === 'linux' && d.platform.architecture === 'amd64') ?? images[0];
}

/**
 * The claims of the image `manifest` is (already read). Throws `ImageReadError` when a read it
 * needs fails; an unreadable document is no claim.
 */
export async function provenanceOfManifest(
  reader: ImageReader,
  image: string,
  manifest: ManifestRead,
): Promise<ImageProvenance> {
  const found: Mutable = {};
  let doc = parse(ManifestSchema, manifest.bytes);
  if (!doc) return found;
  take(found, doc.annotations);
  if (INDEX_TYPES.has(doc.mediaType ?? manifest.mediaType) || doc.manifests) {
    if (complete(found)) return found;
    const platform = platformOf(doc.manifests ?? []);
    if (!platform) return found;
    const read = await reader.manifest(image, platform.digest);
    doc = read ? parse(ManifestSchema, read.bytes) : undefined;
    if (!doc || doc.manifests) return found;
    take(found, doc.annotations);
  }
  const config = doc.config;
  if (complete(found) || !config || !CONFIG_TYPES.has(config.mediaType ?? '')) return found;
  if (config.size !== undefined && config.size > MAX_CONFIG_BYTES) return found;
  // A config bigger than it said is no claim; what the manifest said still stands.
  const bytes = await reader.blob(image, config.digest, MAX_CONFIG_BYTES).catch((error: unknown) => {
    if (error instanceof ImageReadError && error.code === 'IMAGE_READ_TOO_LARGE') return undefined;
    throw error;
  });
  if (bytes) take(found, parse(ConfigSchema, bytes)?.config?.Labels);
  return found;
}
