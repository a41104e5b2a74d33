/**
 * Reads `.image-updater.yaml`: YAML syntax first, then the schema, with every issue mapped back
 * to the line and column of the key or value it is about, so a user can fix it from the log or
 * from the issue we open in their repository.
 */
import { isMap, isPair, isScalar, LineCounter, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { composeDocuments, position, ScanLimitError } from '../core/manifest/source.ts';
import { preparePatterns } from '../core/tags/pattern.ts';
import type { ConfigIssue, ConfigLoadResult } from '../core/config.ts';
import { promotionIssues } from './promote.ts';
import { resolveConfig } from './resolve.ts';
import { ConfigSchema } from './schema.ts';

export const DEFAULT_CONFIG_PATH = '.image-updater.yaml';
/** A config is small; anything larger is a mistake or an attack. */
const MAX_CONFIG_BYTES = 256 * 1024;

type PathKey = string | number;

/**
 * Reads a config, loading the `tags.pattern` engine first when a policy has a pattern: what the
 * worker and the CLI call.
 */
export async function loadConfig(text: string): Promise<ConfigLoadResult> {
  const read = readYaml(text);
  if (!read.ok) return read;
  await preparePatterns(policiesIn(read.data));
  return validate(read);
}

/**
 * `loadConfig` without the engine load: a config with a `tags.pattern` throws
 * PatternEngineNotLoadedError unless `loadPatternEngine` was awaited before.
 */
export function parseConfig(text: string): ConfigLoadResult {
  const read = readYaml(text);
  return read.ok ? validate(read) : read;
}

export interface ReadYaml {
  readonly ok: true;
  readonly data: unknown;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

/** The config's YAML reader (size, nesting and alias limits), also for `select --policy`. */
export function readYaml(
  text: string,
): ReadYaml | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    return fail('', `the file is larger than ${MAX_CONFIG_BYTES / 1024} KiB`, 1, 1);
  }
  const lineCounter = new LineCounter();
  const at = (offset: number) => position(text, lineCounter, Math.min(offset, text.length));
  let docs: Document.Parsed[];
  try {
    // The manifests' reader and its nesting limit: the composer recurses per level, and a
    // config nested thousands deep would otherwise end in a stack overflow.
    docs = composeDocuments(text, lineCounter, { uniqueKeys: true });
  } catch (error) {
    if (!(error instanceof ScanLimitError)) throw error;
    const pos = at(error.offset);
    return fail('', error.message, pos.line, pos.column);
  }
  const first = docs[0];
  const error = docs.flatMap((doc) => doc.errors)[0];
  if (error !== undefined) {
    const pos = at(error.pos[0]);
    return fail('', `YAML syntax: ${firstLine(error.message)}`, pos.line, pos.column);
  }
  if (docs.length > 1) {
    const pos = at(docs[1]!.range[0]);
    return fail('', `the file holds ${docs.length} YAML documents; a config is one`, pos.line, pos.column);
  }
  if (first === undefined || first.contents === null)
    return fail('', 'the file is empty; it needs at least version and policies', 1, 1);
  let data: unknown;
  try {
    data = first.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return fail('', `YAML: ${(error as Error).message}`, 1, 1);
  }
  return { ok: true, data, doc: first, lineCounter };
}

function validate({ data, doc, lineCounter }: ReadYaml): ConfigLoadResult {
  const parsed = ConfigSchema.safeParse(data);
  const promotions = parsed.success ? promotionIssues(data, parsed.data) : [];
  if (promotions.length > 0) {
    const issues = promotions.map(({ path, message }) => {
      const pos = lineCounter.linePos(nodeOffset(doc, path));
      return { path: formatPath(path), message, line: pos.line, column: pos.col };
    });
    return { ok: false, issues: issues.sort((a, b) => a.line - b.line || a.column - b.column) };
  }
  if (parsed.success) {
    const positions = parsed.data.policies.map((_, i) => {
      const pos = lineCounter.linePos(nodeOffset(doc, ['policies', i]));
      return { line: pos.line, column: pos.col };
    });
    return { ok: true, config: { ...resolveConfig(parsed.data), positions } };
  }
  return { ok: false, issues: issuesWithPositions(parsed.error.issues, doc, lineCounter) };
}

/** The policies as written, for `preparePatterns`; whatever is malformed the schema reports. */
function policiesIn(data: unknown): { tags?: { pattern?: string; ignore?: unknown[] } }[] {
  const policies = (data as { policies?: unknown } | null)?.policies;
  if (!Array.isArray(policies)) return [];
  return policies.map((p: unknown) => {
    const tags = (p as { tags?: { pattern?: unknown; ignore?: unknown } } | null)?.tags;
    return {
      tags: {
        ...(typeof tags?.pattern === 'string' ? { pattern: tags.pattern } : {}),
        ...(Array.isArray(tags?.ignore) ? { ignore: tags.ignore as unknown[] } : {}),
      },
    };
  });
}

function issuesWithPositions(
  issues: readonly z.core.$ZodIssue[],
  doc: Document,
  lineCounter: LineCounter,
): ConfigIssue[] {
  const result: ConfigIssue[] = [];
  for (const issue of issues.flatMap(unionBranch)) {
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

/**
 * A value of the wrong shape for a union (a duration string or a map): "Invalid input" says
 * nothing, so the issues of the one branch whose shape the value has are reported instead.
 */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const shaped = issue.errors.filter((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0));
  if (shaped.length !== 1) return [issue];
  return shaped[0]!.flatMap((i) => unionBranch({ ...i, path: [...issue.path, ...i.path] }));
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

function fail(
  path: string,
  message: string,
  line: number,
  column: number,
): { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  return { ok: false, issues: [{ path, message, line, column }] };
}
