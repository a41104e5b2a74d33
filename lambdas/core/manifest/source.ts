/**
 * Reading YAML for the manifest engine. The `yaml` composer recurses per nesting level and, near
 * the stack limit, V8 can abort the whole process instead of throwing; so the CST parser is driven
 * token by token and stopped as soon as the nesting gets absurd, before anything is composed.
 * Aliases and merge keys are followed within a budget, so an alias bomb costs a bounded amount of
 * work and comes back as an error.
 */
import {
  type Alias,
  Composer,
  Lexer,
  LineCounter,
  Parser,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type CST,
  type Document,
  type Node,
  type ParsedNode,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import type { ScalarStyle, Slot, SlotLayout, SourcePosition } from './types.ts';

/** Larger files are reported, not read: GitOps manifests are small, and YAML parsing is not free. */
export const MAX_MANIFEST_BYTES = 2 * 1024 * 1024;
/** Real manifests (CRD schemas included) nest a few dozen levels; the composer overflows near 800. */
export const MAX_NESTING_DEPTH = 128;
/** Work allowed per document, in node visits per node of the document, aliases followed. */
const VISITS_PER_NODE = 16;
const BASE_VISITS = 10_000;

export type YamlSchema = 'core' | 'yaml-1.1';

export interface ParsedSource {
  readonly text: string;
  readonly docs: readonly Document.Parsed[];
  readonly lineCounter: LineCounter;
}

export type ParseOutcome =
  | { readonly ok: true; readonly source: ParsedSource }
  | { readonly ok: false; readonly error: SourcePosition };

/** Thrown inside a scan when a document asks for more work than it is worth; caught at the API. */
export class ScanLimitError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function parseYaml(text: string, schema: YamlSchema = 'core'): ParseOutcome {
  const lineCounter = new LineCounter();
  const at = (offset: number) => position(text, lineCounter, offset);
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    return {
      ok: false,
      error: {
        message: `the file is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB`,
        line: 1,
        column: 1,
      },
    };
  }
  let docs: Document.Parsed[];
  try {
    docs = composeDocuments(text, lineCounter, { schema, uniqueKeys: true, strict: true });
  } catch (error) {
    if (!(error instanceof ScanLimitError)) throw error;
    return { ok: false, error: { message: error.message, ...at(Math.min(error.offset, text.length)) } };
  }
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const template = text.includes('{{')
        ? ' (the file looks like a Go/Helm template, which is YAML only once rendered)'
        : '';
      const message = (error.message.split('\n')[0] ?? error.message).replace(
        / at line \d+, column \d+:?$/,
        '',
      );
      return { ok: false, error: { message: `YAML syntax: ${message}${template}`, ...at(error.pos[0]) } };
    }
  }
  return { ok: true, source: { text, docs, lineCounter } };
}

/**
 * Every document of `text`, composed as the parser goes (as parseAllDocuments does) and stopped
 * with a ScanLimitError once nesting passes MAX_NESTING_DEPTH. The config reader uses it too: one
 * place for the limit.
 */
export function composeDocuments(
  text: string,
  lineCounter: LineCounter,
  options: ConstructorParameters<typeof Composer>[0],
): Document.Parsed[] {
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  function* tokens(): Generator<CST.Token> {
    for (const lexeme of new Lexer().lex(text)) {
      yield* parser.next(lexeme);
      if (parser.stack.length > MAX_NESTING_DEPTH) {
        throw new ScanLimitError(`YAML nesting deeper than ${MAX_NESTING_DEPTH} levels`, parser.offset);
      }
    }
    yield* parser.end();
  }
  return Array.from(new Composer(options).compose(tokens())) as Document.Parsed[];
}

/** 1-based line and column; a byte order mark is not a column. */
export function position(
  text: string,
  lineCounter: LineCounter,
  offset: number,
): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: line === 1 && text.startsWith('\uFEFF') && col > 1 ? col - 1 : col };
}

/** A node that is not an alias. */
export type Resolved = Exclude<ParsedNode, Alias.Parsed>;

export interface Entry {
  readonly key: string;
  /** The value as written: may be an alias, or null for `key:`. */
  readonly value: ParsedNode | null;
}

/** A string-valued read of a parsed node; aliases resolved, merges applied. */
export class DocumentView {
  private readonly anchors = new Map<string, { start: number; node: ParsedNode }[]>();
  private visits = 0;
  private readonly budget: number;

  constructor(
    readonly source: ParsedSource,
    readonly doc: Document.Parsed,
    readonly index: number,
  ) {
    let nodes = 0;
    forEachNode(doc, (node) => {
      nodes += 1;
      if (!isAlias(node) && node.anchor) {
        const list = this.anchors.get(node.anchor) ?? [];
        list.push({ start: node.range[0], node });
        this.anchors.set(node.anchor, list);
      }
    });
    this.budget = BASE_VISITS + VISITS_PER_NODE * nodes;
  }

  get contents(): ParsedNode | null {
    return this.doc.contents;
  }

  /** Counts one unit of work and refuses depths that only an alias cycle or bomb reaches. */
  visit(node: Node | null, depth: number): void {
    this.visits += 1;
    const offset = () => (node && 'range' in node && node.range ? node.range[0] : 0);
    if (depth > MAX_NESTING_DEPTH * 4) {
      throw new ScanLimitError(
        'aliases nest deeper than any manifest does (an alias inside its own anchor?)',
        offset(),
      );
    }
    if (this.visits > this.budget) {
      throw new ScanLimitError(
        'aliases expand the document beyond what a manifest needs (alias bomb?)',
        offset(),
      );
    }
  }

  /** The node a value stands for: an alias becomes the node its anchor names. */
  resolve(node: ParsedNode | null | undefined): Resolved | undefined {
    let current: ParsedNode | null | undefined = node;
    for (let hops = 0; current && isAlias(current); hops += 1) {
      this.visit(current, hops);
      const candidates = this.anchors.get(current.source) ?? [];
      const aliasStart = current.range[0];
      let target: ParsedNode | undefined;
      for (const candidate of candidates) if (candidate.start < aliasStart) target = candidate.node;
      current = target;
    }
    return current ?? undefined;
  }

  /** Key/value pairs with YAML merge keys (`<<: *base`) applied: own keys win, then merges in order. */
  entries(map: YAMLMap.Parsed, depth = 0): Entry[] {
    const own: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items) {
      this.visit(map, depth);
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = scalarString(pair.key);
      if (key === '<<' && pair.key.type === 'PLAIN') {
        const target = this.resolve(pair.value);
        const sources = isSeq(target) ? target.items.map((item) => this.resolve(item)) : [target];
        for (const source of sources) if (isMap(source)) merged.push(...this.entries(source, depth + 1));
        continue;
      }
      own.push({ key, value: pair.value });
    }
    const seen = new Set(own.map((e) => e.key));
    for (const entry of merged) {
      if (seen.has(entry.key)) continue;
      seen.add(entry.key);
      own.push(entry);
    }
    return own;
  }

  /** The items of a sequence, aliases resolved, empty ones dropped; anything else has none. */
  items(node: ParsedNode | null | undefined): Resolved[] {
    const seq = this.resolve(node);
    if (!isSeq(seq)) return [];
    return seq.items.map((item) => this.resolve(item)).filter((item) => item !== undefined);
  }

  get(map: YAMLMap.Parsed, key: string): Resolved | undefined {
    return this.resolve(this.entries(map).find((e) => e.key === key)?.value);
  }

  /** A mapping's scalar field, resolved. */
  scalar(map: YAMLMap.Parsed, key: string): Scalar.Parsed | undefined {
    const node = this.get(map, key);
    return isScalar(node) ? node : undefined;
  }

  /** A string read of a scalar field: undefined when absent or not a scalar. */
  string(map: YAMLMap.Parsed, key: string): string | undefined {
    const node = this.scalar(map, key);
    return node ? scalarString(node) : undefined;
  }

  /** Follows a path of keys through mappings. */
  path(node: ParsedNode | null | undefined, keys: readonly string[]): Resolved | undefined {
    let current = this.resolve(node);
    for (const key of keys) {
      if (!isMap(current)) return undefined;
      current = this.get(current, key);
    }
    return current;
  }

  slot(node: Scalar.Parsed, layout: SlotLayout, prefix = ''): Slot {
    return makeSlot(this.source, node, layout, prefix);
  }

  /** The text of a Flux setter comment on the same line after `node`, if any. */
  markerComment(node: ParsedNode): string | undefined {
    return trailingComment(this.source.text, node.range[1]);
  }
}

function scalarString(node: Scalar): string {
  return node.source ?? String(node.value);
}

function scalarStyle(node: Scalar): ScalarStyle {
  switch (node.type) {
    case 'QUOTE_SINGLE':
      return 'single';
    case 'QUOTE_DOUBLE':
      return 'double';
    case 'BLOCK_FOLDED':
    case 'BLOCK_LITERAL':
      return 'block';
    default:
      return 'plain';
  }
}

function makeSlot(source: ParsedSource, node: Scalar.Parsed, layout: SlotLayout, prefix: string): Slot {
  const { text } = source;
  const [start, valueEnd] = node.range;
  const style = scalarStyle(node);
  const isNull = style === 'plain' && node.value === null;
  // A block scalar's value ends with its line break; the reference is what precedes it.
  const value = isNull ? '' : style === 'block' ? scalarString(node).trim() : scalarString(node);
  const quoted = style === 'single' || style === 'double';
  const contentStart = quoted ? start + 1 : start;
  const contentEnd = quoted ? valueEnd - 1 : valueEnd;
  let unsafe: string | undefined;
  if (style === 'block') unsafe = 'it is a block scalar (| or >), which is not edited';
  else if (node.tag !== undefined && node.tag !== 'tag:yaml.org,2002:str' && node.tag !== '!!str') {
    unsafe = `it carries the explicit YAML tag ${node.tag}`;
  } else if (!isNull && text.slice(contentStart, contentEnd) !== value) {
    unsafe =
      style === 'plain'
        ? 'the value spans several lines'
        : 'the value uses escape sequences or spans several lines';
  }
  const { line, column } = position(text, source.lineCounter, start);
  return {
    layout,
    start,
    end: valueEnd,
    contentStart,
    contentEnd,
    value,
    style,
    prefix,
    unsafe,
    line,
    column,
  };
}

/** `# comment` after `from` on the same line, trimmed; undefined when the line continues otherwise. */
function trailingComment(text: string, from: number): string | undefined {
  let eol = text.indexOf('\n', from);
  if (eol < 0) eol = text.length;
  const rest = text.slice(from, eol).replace(/\r$/, '');
  const match = /^[ \t]+#(.*)$/.exec(rest);
  return match?.[1]?.trim();
}

export type NodeRole = 'root' | 'key' | 'value' | 'item';

/**
 * Every node of a document in source order, without following aliases (an alias is visited as
 * itself). Recursion depth is bounded by MAX_NESTING_DEPTH, checked at parse time.
 */
export function forEachNode(
  doc: Document.Parsed,
  fn: (node: ParsedNode, parent: ParsedNode | undefined, role: NodeRole) => void,
): void {
  const walk = (node: ParsedNode | null, parent: ParsedNode | undefined, role: NodeRole): void => {
    if (!node) return;
    fn(node, parent, role);
    if (isMap(node)) {
      for (const pair of node.items) {
        walk(pair.key as ParsedNode | null, node, 'key');
        walk(pair.value, node, 'value');
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item, node, 'item');
    }
  };
  walk(doc.contents, undefined, 'root');
}
