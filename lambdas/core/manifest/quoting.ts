/**
 * When a value we write must be quoted. Kubernetes and Helm read YAML with go-yaml (1.1 rules:
 * `on`, `yes`, `y`, `0755`, `1_000`, `10:30`, dates), other tools with YAML 1.2 rules (`1.10`,
 * `0x1F`, `1e3`, `null`); a plain scalar is only left plain if every one of them reads it as the
 * same string.
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { ParsedSource } from './source.ts';
import { forEachNode } from './source.ts';

const SCHEMAS = ['core', 'yaml-1.1'] as const;

/** Plain scalars that can't start with these, or contain `: `/` #`, are not even scalars. */
const UNSAFE_PLAIN = /^$|^[-?:,[\]{}#&*!|>'"%@`\s]|: |\s#|:$|\s$/;

export function needsQuoting(value: string): boolean {
  if (UNSAFE_PLAIN.test(value)) return true;
  for (const schema of SCHEMAS) {
    const doc = parseDocument(value, { schema });
    const node = doc.contents;
    if (doc.errors.length > 0 || !isScalar(node) || node.value !== value) return true;
  }
  return false;
}

export type QuoteChar = '"' | "'";

/** The quote the file uses most for its scalars; double quotes when it uses neither or both equally. */
export function prevailingQuote(source: ParsedSource): QuoteChar {
  let single = 0;
  let double = 0;
  for (const doc of source.docs) {
    forEachNode(doc, (node) => {
      if (isMap(node) || isSeq(node) || !isScalar(node)) return;
      if (node.type === 'QUOTE_SINGLE') single += 1;
      else if (node.type === 'QUOTE_DOUBLE') double += 1;
    });
  }
  return single > double ? "'" : '"';
}
