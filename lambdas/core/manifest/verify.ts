/**
 * The proof an edit did what it meant to: the edited text is parsed again and compared node by
 * node with the original. Every scalar must read the same, except the written ones, which must
 * read as exactly the intended string under YAML 1.2 and YAML 1.1 (what go-yaml, and so kubectl
 * and Helm, use).
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type ParsedNode, type Scalar } from 'yaml';
import { forEachNode, parseYaml, position, type ParsedSource } from './source.ts';
import type { SlotWrite } from './edit.ts';
import type { SourcePosition } from './types.ts';

export function verifyEdit(
  before: ParsedSource,
  afterText: string,
  writes: readonly SlotWrite[],
): SourcePosition | undefined {
  const after = parseYaml(afterText);
  if (!after.ok) return { ...after.error, message: `the edit would break the file: ${after.error.message}` };
  const fail = (offset: number, message: string): SourcePosition => ({
    message: `the edit could not be verified: ${message}`,
    ...position(before.text, before.lineCounter, offset),
  });
  if (after.source.docs.length !== before.docs.length) return fail(0, 'the number of YAML documents changed');

  const expected = new Map(writes.map((w) => [w.slot.start, w.value]));
  const written: { node: Scalar.Parsed; want: string }[] = [];
  for (const [index, doc] of before.docs.entries()) {
    const old = nodesOf(doc);
    const now = nodesOf(after.source.docs[index] ?? doc);
    if (old.length !== now.length) return fail(doc.range[0], 'the document structure changed');
    for (const [i, a] of old.entries()) {
      const b = now[i];
      if (!b || kindOf(a) !== kindOf(b) || anchorOf(a) !== anchorOf(b)) {
        return fail(a.range[0], 'the document structure changed');
      }
      if (isAlias(a) && isAlias(b) && a.source !== b.source) return fail(a.range[0], 'an alias changed');
      if (!isScalar(a) || !isScalar(b)) continue;
      const want = expected.get(a.range[0]);
      if (want === undefined) {
        if (a.source !== b.source || !Object.is(a.value, b.value) || a.tag !== b.tag) {
          return fail(a.range[0], `a value that was not to change now reads ${JSON.stringify(b.source)}`);
        }
        continue;
      }
      if (b.value !== want) {
        return fail(
          a.range[0],
          `the new value reads ${JSON.stringify(b.value)} instead of ${JSON.stringify(want)}`,
        );
      }
      written.push({ node: b, want });
    }
  }
  if (written.length !== expected.size) return fail(0, 'not every edited value was found again');

  // go-yaml reads YAML 1.1: `on` is a boolean there, `0755` octal, `1_000` a number. Only a plain
  // scalar's reading depends on the schema, and only on its own characters.
  for (const { node, want } of written) {
    if (node.type !== 'PLAIN') continue;
    const legacy = parseDocument(node.source ?? '', { schema: 'yaml-1.1' }).contents;
    if (!isScalar(legacy) || legacy.value !== want) {
      return fail(node.range[0], `YAML 1.1 would not read the new value ${JSON.stringify(want)} as a string`);
    }
  }
  return undefined;
}

function nodesOf(doc: ParsedSource['docs'][number]): ParsedNode[] {
  const nodes: ParsedNode[] = [];
  forEachNode(doc, (node) => nodes.push(node));
  return nodes;
}

function kindOf(node: ParsedNode): string {
  if (isMap(node)) return node.flow ? 'flow-map' : 'map';
  if (isSeq(node)) return node.flow ? 'flow-seq' : 'seq';
  if (isAlias(node)) return 'alias';
  return 'scalar';
}

function anchorOf(node: ParsedNode): string | undefined {
  return isAlias(node) ? undefined : node.anchor;
}
