import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import { canonicalImageName } from '../../../../lambdas/core/image/reference.ts';
import { editManifest, referencesFor, scanManifest } from '../../../../lambdas/core/manifest/index.ts';

/*
 * Model-based: a file is generated as a model (documents of references) plus a style (indentation,
 * sequence indentation, block/flow, quotes, comments, anchors, document markers, CRLF, BOM). The
 * expected result is the same model with the target image's tags bumped, rendered in the same
 * style; the edit must read the same as that, and differ from the input only in the edited values.
 */

type Quote = 'plain' | 'single' | 'double';
interface Ref {
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
}
interface Entry {
  readonly kind: 'container' | 'helm-map' | 'helm-string' | 'kustomize';
  readonly ref: Ref;
  readonly quote: Quote;
  readonly comment: boolean;
  readonly flow: boolean;
  readonly alias: boolean;
  readonly digestField: boolean;
  /** The reference before the bump, for an entry of the expected model. */
  readonly original?: Ref;
}
interface Doc {
  readonly type: 'pod' | 'values' | 'kustomization';
  readonly entries: readonly Entry[];
  /** An annotation naming the first image; it must never change. */
  readonly decoy?: string;
}
interface Style {
  readonly indent: number;
  readonly flushSequences: boolean;
  readonly crlf: boolean;
  readonly bom: boolean;
  readonly leadingMarker: boolean;
}

const IMAGES = [
  'shop/api',
  'docker.io/shop/api',
  'shop/api-gateway',
  'ghcr.io/shop/api',
  'registry.local:5000/shop/api',
  'nginx',
];
const OLD_TAGS = [
  '1.0.0',
  'v2',
  '1.10',
  '10',
  'on',
  'yes',
  '0755',
  '1e3',
  'latest',
  '2024-01-15',
  '3.2.1-rc.1',
];
const NEW_TAGS = [...OLD_TAGS, 'null', 'True', '0x1F', '1_000', '9.9.9', 'n'];
const digestOf = (c: string) => `sha256:${c.repeat(64)}`;

const isHazard = (value: string) =>
  (['core', 'yaml-1.1'] as const).some(
    (schema) => parseDocument(value, { schema }).contents?.toJSON() !== value,
  );

const refArb = fc.record(
  {
    image: fc.constantFrom(...IMAGES),
    tag: fc.constantFrom(...OLD_TAGS),
    digest: fc.constantFrom(digestOf('1'), digestOf('2')),
  },
  { requiredKeys: ['image', 'tag'] },
);
const entryArb = (kinds: Entry['kind'][]) =>
  fc.record({
    kind: fc.constantFrom(...kinds),
    ref: refArb,
    quote: fc.constantFrom<Quote>('plain', 'single', 'double'),
    comment: fc.boolean(),
    flow: fc.boolean(),
    alias: fc.boolean(),
    digestField: fc.boolean(),
  });
const docArb: fc.Arbitrary<Doc> = fc.oneof(
  fc.record({
    type: fc.constant('pod' as const),
    entries: fc.array(entryArb(['container']), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('values' as const),
    entries: fc.array(entryArb(['helm-map', 'helm-string']), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('kustomization' as const),
    entries: fc.array(entryArb(['kustomize']), { minLength: 1, maxLength: 3 }),
  }),
);
const styleArb: fc.Arbitrary<Style> = fc.record({
  indent: fc.constantFrom(2, 4),
  flushSequences: fc.boolean(),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  leadingMarker: fc.boolean(),
});

function scalar(value: string, quote: Quote, changed: boolean): string {
  // The expected rendering quotes what YAML would misread; the input is written as generated.
  const effective = changed && quote === 'plain' && isHazard(value) ? 'double' : quote;
  return effective === 'plain' ? value : effective === 'single' ? `'${value}'` : `"${value}"`;
}

const imageString = (ref: Ref) => `${ref.image}:${ref.tag}${ref.digest ? `@${ref.digest}` : ''}`;

function renderDoc(doc: Doc, d: number, style: Style): string {
  const I = ' '.repeat(style.indent);
  const seq = style.flushSequences ? '' : I;
  const lines: string[] = [];
  const note = (e: Entry, k: number) => (e.comment ? ` # note ${k}` : '');
  // A field is rewritten only when its value changes; only then may quotes appear.
  const q = (e: Entry, field: (ref: Ref) => string) =>
    scalar(field(e.ref), e.quote, field(e.ref) !== field(e.original ?? e.ref));
  if (doc.type === 'pod') {
    const first = doc.entries[0]?.ref;
    const decoy = doc.decoy ?? (first ? imageString(first) : 'none');
    lines.push('apiVersion: v1', 'kind: Pod', 'metadata:', `${I}name: pod${d}`, `${I}annotations:`);
    lines.push(`${I}${I}image: "${decoy}"`);
    lines.push('spec:', `${I}containers:`);
    const item = `${I}${seq}`;
    doc.entries.forEach((e, k) => {
      const value = q(e, imageString);
      if (e.comment) lines.push(`${item}# container ${k}`);
      if (e.flow) {
        lines.push(`${item}- {name: c${k}, image: ${value}}${note(e, k)}`);
      } else if (e.alias) {
        lines.push(`${item}- name: c${k}`, `${item}  image: &img${d}x${k} ${value}${note(e, k)}`);
        lines.push(`${item}- name: c${k}-sidecar`, `${item}  image: *img${d}x${k}`);
      } else {
        lines.push(
          `${item}- name: c${k}`,
          `${item}  image: ${value}${note(e, k)}`,
          `${item}  imagePullPolicy: IfNotPresent`,
        );
      }
    });
  } else if (doc.type === 'values') {
    doc.entries.forEach((e, k) => {
      if (e.kind === 'helm-string') {
        lines.push(`svc${k}:`, `${I}image: ${q(e, imageString)}${note(e, k)}`);
        return;
      }
      const separate = e.digestField && e.ref.digest !== undefined;
      const tag = (r: Ref) => (r.digest && !separate ? `${r.tag}@${r.digest}` : r.tag);
      const fields = [`repository: ${q(e, (r) => r.image)}`, `tag: ${q(e, tag)}`];
      if (separate) fields.push(`digest: ${q(e, (r) => r.digest ?? '')}`);
      if (e.flow) lines.push(`svc${k}: {image: {${fields.join(', ')}}}${note(e, k)}`);
      else
        lines.push(
          `svc${k}:`,
          `${I}image:`,
          ...fields.map((f, i) => `${I}${I}${f}${i === 1 ? note(e, k) : ''}`),
        );
    });
  } else {
    lines.push('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'images:');
    doc.entries.forEach((e, k) => {
      lines.push(
        `${seq}- name: ${q(e, (r) => r.image)}`,
        `${seq}  newTag: ${q(e, (r) => r.tag)}${note(e, k)}`,
      );
      if (e.ref.digest) lines.push(`${seq}  digest: ${q(e, (r) => r.digest ?? '')}`);
    });
  }
  return `${lines.join('\n')}\n`;
}

function render(docs: readonly Doc[], style: Style): string {
  const body =
    (style.leadingMarker ? '---\n' : '') + docs.map((doc, d) => renderDoc(doc, d, style)).join('---\n');
  return (style.bom ? '\uFEFF' : '') + (style.crlf ? body.replaceAll('\n', '\r\n') : body);
}

function bumped(docs: readonly Doc[], target: string, tag: string, digest: string): Doc[] {
  return docs.map((doc) => ({
    ...doc,
    decoy: doc.entries[0] ? imageString(doc.entries[0].ref) : 'none',
    entries: doc.entries.map((e) =>
      canonicalImageName(e.ref.image) === target
        ? { ...e, original: e.ref, ref: { ...e.ref, tag, ...(e.ref.digest ? { digest } : {}) } }
        : e,
    ),
  }));
}

const toJS = (text: string, schema: 'core' | 'yaml-1.1') =>
  parseAllDocuments(text, { schema }).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS();
  });

describe('editManifest: properties over generated files', () => {
  it('edits exactly the target image, reads back as intended, and changes no other character', () => {
    fc.assert(
      fc.property(
        fc.array(docArb, { minLength: 1, maxLength: 3 }),
        styleArb,
        fc.constantFrom(...IMAGES),
        fc.constantFrom(...NEW_TAGS),
        (docs, style, targetImage, newTag) => {
          const target = canonicalImageName(targetImage) ?? '';
          const input = render(docs, style);
          const newDigest = digestOf('f');
          const file = docs.some((d) => d.type === 'kustomization') ? 'kustomization.yaml' : 'all.yaml';
          // A file named kustomization.yaml is only a kustomization; keep the mix under another name.
          const name = docs.every((d) => d.type === 'kustomization') ? file : 'all.yaml';

          const scanned = scanManifest(input, name);
          if (!scanned.ok) throw new Error(scanned.error.message);
          const references = referencesFor(scanned.references, { name: 'p', image: targetImage });
          const expectedDocs = bumped(docs, target, newTag, newDigest);
          const expectedCount = docs
            .flatMap((d) => d.entries)
            .filter((e) => canonicalImageName(e.ref.image) === target);
          expect(references).toHaveLength(expectedCount.length);

          const result = editManifest(
            input,
            name,
            references.map((reference) => ({
              reference,
              tag: newTag,
              digest: newDigest,
              pin: 'tag' as const,
            })),
          );
          if (!result.ok) throw new Error(result.error.message);
          expect(result.skipped).toEqual([]);

          // Reads as the bumped model, under YAML 1.2 and YAML 1.1.
          const expected = render(expectedDocs, style);
          expect(toJS(result.text, 'core')).toEqual(toJS(expected, 'core'));
          expect(toJS(result.text, 'yaml-1.1')).toEqual(toJS(expected, 'yaml-1.1'));

          // Differs from the input only where a change says, and there only in the value.
          const before = input.split('\n');
          const after = result.text.split('\n');
          expect(after).toHaveLength(before.length);
          const rebuilt = [...before];
          const lines = new Map<number, typeof result.changes>();
          for (const change of result.changes)
            lines.set(change.line, [...(lines.get(change.line) ?? []), change]);
          for (const [line, changes] of lines) {
            // Each change replaces its old value by the new one, quoted only when YAML would misread it.
            let candidates = [before[line - 1] ?? ''];
            for (const change of changes) {
              candidates = candidates.flatMap((text) => {
                expect(text).toContain(change.from);
                const quoted = text.includes(`"${change.from}"`) || text.includes(`'${change.from}'`);
                const options =
                  isHazard(change.to) && !quoted ? [`"${change.to}"`, `'${change.to}'`] : [change.to];
                return options.map((value) => text.replace(change.from, value));
              });
            }
            expect(candidates).toContain(after[line - 1]);
            rebuilt[line - 1] = after[line - 1] ?? '';
          }
          expect(rebuilt).toEqual(after);
        },
      ),
      { numRuns: 150 },
    );
  });
});
