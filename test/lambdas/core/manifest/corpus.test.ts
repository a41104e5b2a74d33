import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalImageName, parseImageReference } from '../../../../lambdas/core/image/reference.ts';
import {
  editManifest,
  parseMarker,
  referencesFor,
  scanManifest,
} from '../../../../lambdas/core/manifest/index.ts';
import { DIGEST_NEW, bump, scan, withLineEdits } from './helpers.ts';

// The copies live in the repository so a fresh clone runs this test on its own.
const CORPUS = new URL('../../../fixtures/corpus/manifests/', import.meta.url);

interface Field {
  readonly value: string;
  readonly line: number;
  readonly style: string;
  readonly yamlType: string;
  readonly marker?: string;
}
interface IndexReference {
  readonly kind: 'image-string' | 'helm-image-map' | 'kustomize-images-entry';
  readonly doc: number;
  readonly value?: string;
  readonly line?: number;
  readonly style?: string;
  readonly marker?: string;
  readonly registry?: Field;
  readonly repository?: Field;
  readonly tag?: Field;
  readonly version?: Field;
  readonly name?: Field;
  readonly newName?: Field;
  readonly newTag?: Field;
  readonly digest?: Field;
}
interface IndexFile {
  readonly file: string;
  readonly imageReferences: readonly IndexReference[];
}

const index = JSON.parse(readFileSync(new URL('INDEX.json', CORPUS), 'utf8')) as { files: IndexFile[] };
const read = (file: string) => readFileSync(new URL(file, CORPUS), 'utf8');

const hasVersion = (image: string) => {
  const ref = parseImageReference(image);
  return ref?.tag !== undefined || ref?.digest !== undefined;
};

/** The line our reference reports: the tag's, else the digest's (SPEC: the value being edited). */
function expectedLine(ref: IndexReference): number {
  if (ref.kind === 'image-string') return ref.line ?? 0;
  if (ref.kind === 'helm-image-map') return (ref.tag ?? ref.version)?.line ?? 0;
  if (ref.newTag) return ref.newTag.line;
  if (ref.newName && hasVersion(ref.newName.value)) return ref.newName.line;
  return ref.digest?.line ?? 0;
}

function expectedImage(ref: IndexReference): string | undefined {
  if (ref.kind === 'image-string') return canonicalImageName(ref.value ?? '');
  if (ref.kind === 'helm-image-map') {
    const repo = ref.repository?.value ?? '';
    return canonicalImageName(ref.registry ? `${ref.registry.value}/${repo}` : repo);
  }
  return canonicalImageName((ref.newName ?? ref.name)?.value ?? '');
}

function markerOf(ref: IndexReference): string | undefined {
  return ref.marker ?? ref.newTag?.marker ?? ref.newName?.marker;
}

/** Why the corpus says a reference can't be edited (see INDEX notes), or undefined. */
function invalidity(ref: IndexReference): string | undefined {
  if (ref.digest && !/^sha256:[a-f0-9]{64}$/.test(ref.digest.value)) return 'is not a digest';
  if (ref.newTag?.value.startsWith('sha256:')) return 'is not a valid tag';
  return undefined;
}

/** What each editable reference's lines must become when bumped to `tag` with DIGEST_NEW. */
function expectedEdits(ref: IndexReference, tag: string, hazard: boolean) {
  const quoted = (old: Field, value: string) => (old.style === 'plain' && hazard ? `"${value}"` : value);
  const image = (value: string) => {
    const parsed = parseImageReference(value);
    if (!parsed) throw new Error(value);
    const name = parsed.registry ? `${parsed.registry}/${parsed.path}` : parsed.path;
    const keepTag = parsed.tag !== undefined || parsed.digest === undefined;
    return `${name}${keepTag ? `:${tag}` : ''}${parsed.digest ? `@${DIGEST_NEW}` : ''}`;
  };
  const tagField = (field: Field) => {
    const digest = field.value.includes('@') ? `@${DIGEST_NEW}` : '';
    return { line: field.line, from: field.value, to: digest ? `${tag}${digest}` : quoted(field, tag) };
  };
  if (ref.kind === 'image-string')
    return [{ line: ref.line ?? 0, from: ref.value ?? '', to: image(ref.value ?? '') }];
  if (ref.kind === 'helm-image-map') return [tagField((ref.tag ?? ref.version) as Field)];
  const edits = [];
  if (ref.newTag) edits.push(tagField(ref.newTag));
  else if (ref.newName && hasVersion(ref.newName.value)) {
    edits.push({ line: ref.newName.line, from: ref.newName.value, to: image(ref.newName.value) });
  }
  if (ref.digest) edits.push({ line: ref.digest.line, from: ref.digest.value, to: DIGEST_NEW });
  return edits;
}

describe.each(index.files)('corpus $file', ({ file, imageReferences }) => {
  const text = read(file);

  it('finds exactly the listed references, at their lines, with their images and formats', () => {
    const references = scan(text, file);
    expect(references.map((r) => [r.document, r.line])).toEqual(
      imageReferences.map((ref) => [ref.doc, expectedLine(ref)]),
    );
    for (const [i, ref] of imageReferences.entries()) {
      const found = references[i];
      expect(found?.image).toBe(expectedImage(ref));
      const marker = markerOf(ref);
      if (marker) {
        expect(found?.format).toBe('marker');
        expect(found?.policy).toBe(parseMarker(marker)?.policy);
      } else {
        expect(found?.format).not.toBe('marker');
      }
      if (invalidity(ref)) expect(found?.problem).toContain(invalidity(ref));
      else expect(found?.problem).toBeUndefined();
    }
  });

  it.each([
    { tag: '9.9.9-corpus', hazard: false },
    { tag: '1.10', hazard: true },
  ])('bumping every reference to $tag changes only tag and digest characters', ({ tag, hazard }) => {
    const references = scan(text, file);
    const result = editManifest(
      text,
      file,
      references.map((reference) => ({ reference, tag, digest: DIGEST_NEW, pin: 'tag' as const })),
    );
    if (!result.ok) throw new Error(result.error.message);
    const editable = imageReferences.filter((ref) => !invalidity(ref));
    const expected = withLineEdits(
      text,
      editable.flatMap((ref) => expectedEdits(ref, tag, hazard)),
    );
    // The quote a hazardous tag gets is the file's prevailing one; accept either, nothing else.
    expect(result.text.replaceAll("'", '"')).toBe(expected.replaceAll("'", '"'));
    expect(result.text.length - text.length).toBe(expected.length - text.length);
    expect(result.skipped.map((s) => s.reference.line)).toEqual(
      imageReferences.filter((ref) => invalidity(ref)).map(expectedLine),
    );
  });

  it('bumping without a digest leaves every digest-pinned reference alone, saying why', () => {
    const references = scan(text, file);
    const result = editManifest(
      text,
      file,
      references.map((reference) => ({ reference, tag: 'v7', pin: 'tag' as const })),
    );
    if (!result.ok) throw new Error(result.error.message);
    for (const reference of references.filter((r) => r.digest !== undefined)) {
      expect(result.skipped.find((s) => s.reference.id === reference.id)?.reason).toMatch(/digest/);
      expect(result.changes.some((c) => c.reference.id === reference.id)).toBe(false);
    }
  });
});

describe('corpus: Flux fixtures reproduce Flux results', () => {
  const flux = 'fluxcd_image-automation-controller__';

  it('a whole marker renames and retags only the container it names (setters/original → expected)', () => {
    const original = read(`${flux}internal-update-testdata-setters-original-marked.yaml`);
    const expected = read(`${flux}internal-update-testdata-setters-expected-marked.yaml`);
    const result = bump(original, {
      file: 'marked.yaml',
      policy: 'automation-ns:policy',
      image: 'index.repo.fake/updated',
      tag: 'v1.0.1',
      rename: true,
    });
    expect(result.text).toBe(expected);
  });

  it(':name and :tag markers of one policy rewrite newName and newTag (kustomization original → expected)', () => {
    const original = read(`${flux}pkg-update-testdata-setters-original-kustomization.yaml`);
    const expected = read(`${flux}pkg-update-testdata-setters-expected-kustomization.yaml`);
    const result = bump(original, {
      file: 'kustomization.yaml',
      policy: 'automation-ns:policy',
      image: 'index.repo.fake/updated',
      tag: 'v1.0.1',
      rename: true,
    });
    expect(result.text).toBe(expected);
  });

  it('an unmarked replace keeps the indentation Flux re-flowed (only the tag differs)', () => {
    const original = read(`${flux}pkg-update-testdata-replace-commented-deployment.yaml`);
    const fluxResult = read(`${flux}internal-update-testdata-replace-commented-expected-deployment.yaml`);
    const result = bump(original, { file: 'deployment.yaml', image: 'used', tag: 'v1.1.0' });
    expect(result.text).toBe(original.replace('used:v1.0.0', 'used:v1.1.0'));
    expect(result.text).not.toBe(fluxResult);
    expect(result.text.replace(/^ +/gm, '')).toBe(fluxResult.replace(/^ +/gm, ''));
  });

  it('a marker for a policy that is not being updated keeps its value out of reach', () => {
    const text = read(`${flux}pkg-update-testdata-setters-original-otherns.yaml`);
    const references = scan(text, 'otherns.yaml');
    expect(referencesFor(references, { name: 'automation-ns:policy', image: 'user' })).toEqual([]);
    expect(referencesFor(references, { name: 'other-namespace:policy', image: 'elsewhere/x' })).toHaveLength(
      1,
    );
  });

  it('the identical image strings under two markers are told apart', () => {
    const text = read(`${flux}internal-update-testdata-setters-original-marked.yaml`);
    const result = bump(text, { policy: 'automation-ns:unchanged', image: 'image', tag: 'v2' });
    expect(result.changes.map((c) => c.line)).toEqual([17]);
  });

  it('every corpus file scans without error', () => {
    for (const { file } of index.files) expect(scanManifest(read(file), file).ok).toBe(true);
  });
});
