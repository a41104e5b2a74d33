/**
 * A tiny OCI image layout written by hand (image-spec "OCI Image Layout"), so tests can push real
 * images with `skopeo copy oci:<dir>:<tag> …` without network access: one small layer shared by
 * every tag, and per tag its own config (so each tag has its own manifest). `skopeo copy` to a
 * registry compresses the layer, so the registry's digests differ from the layout's.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OciLayout {
  readonly dir: string;
}

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export function writeOciLayout(dir: string, tags: readonly string[]): OciLayout {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = (mediaType: string, bytes: Buffer): Descriptor => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const layerTar = tar('hello.txt', 'hello from image-updater\n');
  const layer = blob('application/vnd.oci.image.layer.v1.tar', layerTar);
  const manifests = tags.map((tag) => {
    const config = blob(
      'application/vnd.oci.image.config.v1+json',
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Labels: { 'org.opencontainers.image.version': tag } },
          rootfs: { type: 'layers', diff_ids: [layer.digest] },
        }),
      ),
    );
    const manifest = blob(
      'application/vnd.oci.image.manifest.v1+json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config,
          layers: [layer],
        }),
      ),
    );
    return { ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } };
  });
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return { dir };
}

/** A ustar archive with one regular file. */
function tar(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}
