import { describe, expect, it } from 'vitest';
import { provenanceReader } from '../../../../lambdas/adapters/provenance/provenance-reader.ts';
import { MAX_LABEL_CHARS } from '../../../../lambdas/adapters/provenance/image-labels.ts';
import { ImageReadError } from '../../../../lambdas/ports/image-reader.ts';
import type { Blob } from '../../../support/cosign.ts';
import { imageIndex, labelledImage, OCI_LABELS } from '../../../support/labelled-image.ts';
import { MemoryImageReader } from '../../../support/memory-image-reader.ts';

const IMAGE = 'registry.example.com/acme/api';
const SOURCE = 'https://github.com/acme/api';
const REV = 'a'.repeat(40);

function setup() {
  const reader = new MemoryImageReader();
  const warnings: Record<string, unknown>[] = [];
  const log = {
    warn: (message: string, ...a: Record<string, unknown>[]) => warnings.push({ message, ...a[0] }),
  };
  return { reader, warnings, provenance: provenanceReader({ reader, log }) };
}

function putIndex(reader: MemoryImageReader, tag: string, index: Blob) {
  reader.manifests.set(tag, index);
  reader.manifests.set(index.digest, index);
}

const labels = {
  [OCI_LABELS.source]: SOURCE,
  [OCI_LABELS.revision]: REV,
  [OCI_LABELS.version]: '1.5.0',
  [OCI_LABELS.created]: '2026-12-01T10:00:00Z',
};

describe('provenanceReader', () => {
  it.each([
    ['an OCI image, labels in its config', labelledImage({ labels })],
    ['a Docker v2 image, labels in its config', labelledImage({ labels, format: 'docker' })],
    [
      'an OCI image, half in annotations, half in labels',
      labelledImage({
        annotations: { [OCI_LABELS.source]: SOURCE, [OCI_LABELS.revision]: REV },
        labels: { [OCI_LABELS.version]: '1.5.0', [OCI_LABELS.created]: '2026-12-01T10:00:00Z' },
      }),
    ],
  ])('reads the claims of %s: the manifest, then its config (2 reads)', async (_name, image) => {
    const { reader, provenance } = setup();
    reader.put('1.5.0', image);
    const found = await provenance.provenanceOf(IMAGE, image.manifest.digest);
    expect(found).toEqual({
      digest: image.manifest.digest,
      provenance: { source: SOURCE, revision: REV, version: '1.5.0', created: '2026-12-01T10:00:00Z' },
    });
    expect(reader.requests).toBe(2);
  });

  it('stops at the manifest when its annotations say it all (1 read)', async () => {
    const { reader, provenance } = setup();
    const image = labelledImage({ annotations: labels as Record<string, string> });
    reader.put('1.5.0', image);
    expect((await provenance.provenanceOf(IMAGE, '1.5.0'))?.provenance.revision).toBe(REV);
    expect(reader.requests).toBe(1);
  });

  it('an annotation wins over a label of the same key', async () => {
    const { reader, provenance } = setup();
    const image = labelledImage({
      annotations: { [OCI_LABELS.revision]: 'b'.repeat(40) },
      labels,
    });
    reader.put('1.5.0', image);
    expect((await provenance.provenanceOf(IMAGE, '1.5.0'))?.provenance.revision).toBe('b'.repeat(40));
  });

  it('an index: its own annotations, then linux/amd64 (not the first entry, not the attestation) and its config (3 reads)', async () => {
    const { reader, provenance } = setup();
    const arm = labelledImage({ labels: { [OCI_LABELS.revision]: 'arm' }, architecture: 'arm64' });
    const amd = labelledImage({ labels, architecture: 'amd64' });
    const attestation = labelledImage({ salt: 'attestation' });
    const { index } = imageIndex(
      [
        { image: attestation, architecture: 'unknown', os: 'unknown' },
        { image: arm, architecture: 'arm64' },
        { image: amd, architecture: 'amd64' },
      ],
      { [OCI_LABELS.source]: 'https://github.com/acme/from-index' },
    );
    for (const i of [arm, amd, attestation]) reader.put(i.manifest.digest, i);
    putIndex(reader, '1.5.0', index);
    const found = await provenance.provenanceOf(IMAGE, index.digest);
    expect(found?.provenance).toMatchObject({ source: 'https://github.com/acme/from-index', revision: REV });
    expect(reader.requests).toBe(3);
  });

  it('an index whose annotations say it all is read alone (1 read); an index without images costs nothing more', async () => {
    const { reader, provenance } = setup();
    const amd = labelledImage({ labels });
    const full = imageIndex([{ image: amd, architecture: 'amd64' }], labels as Record<string, string>).index;
    putIndex(reader, 'full', full);
    expect((await provenance.provenanceOf(IMAGE, 'full'))?.provenance.version).toBe('1.5.0');
    expect(reader.requests).toBe(1);
    const empty = imageIndex([]).index;
    putIndex(reader, 'empty', empty);
    expect((await provenance.provenanceOf(IMAGE, 'empty'))?.provenance).toEqual({});
    expect(reader.requests).toBe(2);
  });

  it('an image without labels costs the manifest and its config; an artifact without an image config, the manifest alone', async () => {
    const { reader, provenance } = setup();
    const bare = labelledImage();
    reader.put('bare', bare);
    expect((await provenance.provenanceOf(IMAGE, bare.manifest.digest))?.provenance).toEqual({});
    expect(reader.requests).toBe(2);
    const chart = {
      ...bare,
      manifest: {
        ...bare.manifest,
        bytes: Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            config: {
              mediaType: 'application/vnd.cncf.helm.config.v1+json',
              digest: bare.blobs[0]!.digest,
              size: 1,
            },
            layers: [],
          }),
        ),
      },
    };
    reader.manifests.set('chart', chart.manifest);
    expect((await provenance.provenanceOf(IMAGE, 'chart'))?.provenance).toEqual({});
    expect(reader.requests).toBe(3);
  });

  it.each([
    ['too long', { [OCI_LABELS.source]: `https://github.com/${'a'.repeat(MAX_LABEL_CHARS)}` }],
    ['not a string', { [OCI_LABELS.source]: { url: SOURCE } }],
    ['empty', { [OCI_LABELS.source]: '   ' }],
  ])('a claim that is %s is no claim', async (_name, bad) => {
    const { reader, provenance } = setup();
    const image = labelledImage({ labels: { ...bad, [OCI_LABELS.version]: '2.0.0' } });
    reader.put('x', image);
    expect((await provenance.provenanceOf(IMAGE, 'x'))?.provenance).toEqual({ version: '2.0.0' });
  });

  it('a config bigger than 1 MiB, a manifest that is not JSON, Labels that are not a map: no claims, no error', async () => {
    const { reader, provenance, warnings } = setup();
    const image = labelledImage({ labels, annotations: { [OCI_LABELS.version]: '9.9.9' } });
    reader.put('big', image);
    reader.blobs.set(image.blobs[0]!.digest, Buffer.alloc(2 * 1024 * 1024, 32));
    // The descriptor's size is small; the bounded read refuses the real bytes: the manifest's claims stand.
    expect((await provenance.provenanceOf(IMAGE, 'big'))?.provenance).toEqual({ version: '9.9.9' });
    reader.manifests.set('junk', {
      ...image.manifest,
      digest: `sha256:${'d'.repeat(64)}`,
      bytes: Buffer.from('<html>'),
    });
    expect((await provenance.provenanceOf(IMAGE, 'junk'))?.provenance).toEqual({});
    const odd = labelledImage({
      labels: ['not', 'a', 'map'] as unknown as Record<string, string>,
      salt: 'odd',
    });
    reader.put('odd', odd);
    expect((await provenance.provenanceOf(IMAGE, 'odd'))?.provenance).toEqual({});
    expect(warnings).toEqual([]);
  });

  it('reads a digest once for the instance, and once for concurrent asks; a tag is read again (it may move)', async () => {
    const { reader, provenance } = setup();
    const image = labelledImage({ labels });
    reader.put('1.5.0', image);
    await Promise.all([1, 2, 3].map(() => provenance.provenanceOf(IMAGE, image.manifest.digest)));
    expect(reader.requests).toBe(2);
    await provenance.provenanceOf(IMAGE, image.manifest.digest);
    expect(reader.requests).toBe(2);
    // By tag: the manifest is read to learn the digest; the config is not read again.
    expect((await provenance.provenanceOf(IMAGE, '1.5.0'))?.provenance.revision).toBe(REV);
    expect(reader.requests).toBe(3);
  });

  it('a registry that cannot be read: no provenance and a warning saying why, never an error; asked again later', async () => {
    const { reader, provenance, warnings } = setup();
    const image = labelledImage({ labels });
    reader.put('1.5.0', image);
    const manifest = reader.manifest.bind(reader);
    reader.manifest = async () => {
      throw new ImageReadError('IMAGE_READ_UNAVAILABLE', 'registry answered 503', { retryable: true });
    };
    expect(await provenance.provenanceOf(IMAGE, image.manifest.digest)).toBeUndefined();
    expect(warnings).toEqual([
      expect.objectContaining({
        message: 'provenance left out of the pull request: the registry could not be read',
        image: IMAGE,
        errorCode: 'IMAGE_READ_UNAVAILABLE',
      }),
    ]);
    reader.manifest = manifest;
    expect((await provenance.provenanceOf(IMAGE, image.manifest.digest))?.provenance.revision).toBe(REV);
  });

  it('a registry slower than the PR waits: no provenance now, a warning; the read goes on and is remembered', async () => {
    const reader = new MemoryImageReader();
    const warnings: Record<string, unknown>[] = [];
    const image = labelledImage({ labels });
    reader.put('1.5.0', image);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const manifest = reader.manifest.bind(reader);
    reader.manifest = async (i, r) => {
      await gate;
      return manifest(i, r);
    };
    const provenance = provenanceReader({
      reader,
      maxWaitMs: 20,
      log: { warn: (message, ...a) => warnings.push({ message, ...a[0] }) },
    });
    expect(await provenance.provenanceOf(IMAGE, image.manifest.digest)).toBeUndefined();
    expect(warnings[0]).toMatchObject({ errorCode: 'PROVENANCE_TIMEOUT' });
    release();
    await new Promise((r) => setTimeout(r, 5));
    const requests = reader.requests;
    expect((await provenance.provenanceOf(IMAGE, image.manifest.digest))?.provenance.revision).toBe(REV);
    expect(reader.requests).toBe(requests);
  });

  it('an image that is not there: undefined, no warning', async () => {
    const { provenance, warnings } = setup();
    expect(await provenance.provenanceOf(IMAGE, `sha256:${'c'.repeat(64)}`)).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});
