/**
 * Reads `.image-updater.yaml`: YAML syntax first, then the schema, with every issue mapped back
 * to the line and column of the key or value it is about, so a user can fix it from the log or
 * from the issue we open in their repository.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { ConfigIssue } from './errors.ts';
import { ConfigSchema, resolveConfig, type Config } from './schema.ts';

export const DEFAULT_CONFIG_PATH = '.image-updater.yaml';
/** A config is small; anything larger is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 256 * 1024;

export type ConfigLoadResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

type PathKey = string | number;

export function parseConfig(text: string): ConfigLoadResult {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    return fail('', `the file is larger than ${MAX_CONFIG_BYTES / 1024} KiB`, 1, 1);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => {
        const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
        return {
          path: '',
          message: `YAML syntax: ${firstLine(error.message)}`,
          line: pos.line,
          column: pos.col,
        };
      }),
    };
  }
  if (doc.contents === null)
    return fail('', 'the file is empty; it needs at least version and policies', 1, 1);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return fail('', `YAML: ${(error as Error).message}`, 1, 1);
  }
  const parsed = ConfigSchema.safeParse(data);
  if (parsed.success) return { ok: true, config: resolveConfig(parsed.data) };
  return { ok: false, issues: issuesWithPositions(parsed.error.issues, doc, lineCounter) };
}

function issuesWithPositions(
  issues: readonly z.core.$ZodIssue[],
  doc: Document,
  lineCounter: LineCounter,
): ConfigIssue[] {
  const result: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const offset = keyOffset(doc, path, key) ?? nodeOffset(doc, path);
        const pos = lineCounter.linePos(offset);
        result.push({
          path: formatPath([...path, key]),
          message: 'unknown key',
          line: pos.line,
          column: pos.col,
        });
      }
      continue;
    }
    const pos = lineCounter.linePos(nodeOffset(doc, path));
    result.push({ path: formatPath(path), message: issue.message, line: pos.line, column: pos.col });
  }
  return result.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Offset of the deepest existing node on the path: a missing key points at its parent. */
function nodeOffset(doc: Document, path: readonly PathKey[]): number {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  }
  return 0;
}

function keyOffset(doc: Document, parentPath: readonly PathKey[], key: string): number | undefined {
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
}

function formatPath(path: readonly PathKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** prettyErrors appends the position and a code excerpt; the issue carries both separately. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function fail(path: string, message: string, line: number, column: number): ConfigLoadResult {
  return { ok: false, issues: [{ path, message, line, column }] };
}
