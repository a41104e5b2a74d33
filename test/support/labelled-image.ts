/**
 * Images with provenance labels, as `docker buildx build --label … --annotation …` writes them:
 * an image manifest (OCI or Docker v2) whose config carries `config.Labels` and whose manifest
 * carries `annotations`, and a multi-arch index over such images (with buildx's `unknown/unknown`
 * attestation entry). Each layer is a tiny real blob, so a registry accepts the push.
 */
import { createHash } from 'node:crypto';
import type { Artifact, Blob } from './cosign.ts';

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: digestOf(bytes), size: bytes.length, bytes };
}

const descriptor = ({ mediaType, digest, size }: Blob) => ({ mediaType, digest, size });

export const OCI_LABELS = {
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  version: 'org.opencontainers.image.version',
  created: 'org.opencontainers.image.created',
} as const;

export interface ImageOptions {
  readonly labels?: Record<string, unknown>;
  readonly annotations?: Record<string, string>;
  readonly format?: 'oci' | 'docker';
  readonly architecture?: string;
  /** Makes otherwise equal images distinct. */
  readonly salt?: string;
}

export function labelledImage(options: ImageOptions = {}): Artifact {
  const docker = options.format === 'docker';
  const layer = blob(
    docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar',
    Buffer.from(`layer ${options.salt ?? ''} ${options.architecture ?? 'amd64'}`),
  );
  const config = blob(
    docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({
        architecture: options.architecture ?? 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        config: { Env: ['PATH=/usr/bin'], ...(options.labels ? { Labels: options.labels } : {}) },
      }),
    ),
  );
  const mediaType = docker
    ? 'application/vnd.docker.distribution.manifest.v2+json'
    : 'application/vnd.oci.image.manifest.v1+json';
  const manifest = blob(
    mediaType,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: descriptor(config),
        layers: [descriptor(layer)],
        ...(options.annotations ? { annotations: options.annotations } : {}),
      }),
    ),
  );
  return { manifest, blobs: [config, layer] };
}

/** A multi-arch index over `images` (arm64 first, so "linux/amd64, else the first" is tested). */
export function imageIndex(
  images: readonly { readonly image: Artifact; readonly architecture: string; readonly os?: string }[],
  annotations?: Record<string, string>,
): { readonly index: Blob; readonly images: readonly Artifact[] } {
  const index = blob(
    'application/vnd.oci.image.index.v1+json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: images.map(({ image, architecture, os }) => ({
          ...descriptor(image.manifest),
          platform: { os: os ?? 'linux', architecture },
        })),
        ...(annotations ? { annotations } : {}),
      }),
    ),
  );
  return { index, images: images.map((i) => i.image) };
}
