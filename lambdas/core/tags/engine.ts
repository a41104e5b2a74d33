/**
 * The linear-time regular expression engine (RE2, as re2js) that `tags.pattern` and the
 * `tags.ignore` globs a backtracking engine could stall on run on. Anyone who can push a tag
 * chooses the text these run over, and a backtracking engine gives `^(a+)+$` time that doubles
 * per character; RE2 matches in time linear in the tag, whatever the expression.
 *
 * The engine is loaded on first use (`loadPatternEngine`), as a chunk of its own: most policies
 * need none, and the worker's initial bundle stays small. Everything after loading is
 * synchronous, so selection stays synchronous.
 */
import type { RE2JS } from 're2js';
import { PatternEngineNotLoadedError } from './errors.ts';

let engine: typeof RE2JS | undefined;
let loading: Promise<void> | undefined;

/** Loads the engine once; later calls return at once. */
export function loadPatternEngine(): Promise<void> {
  loading ??= import('re2js').then(
    (module) => {
      engine = module.RE2JS;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

export function requireEngine(): typeof RE2JS {
  if (engine === undefined) throw new PatternEngineNotLoadedError();
  return engine;
}

/** What RE2 cannot run, found in an expression's source. */
export interface UnsupportedConstruct {
  readonly what: string;
  readonly text: string;
  /** 0-based offset in the source. */
  readonly at: number;
}

/** Constructs RE2 refuses, named for a person: the engine's own messages are terse or misleading. */
const UNSUPPORTED: readonly [string, string][] = [
  ['(?<=', 'lookbehind'],
  ['(?<!', 'negative lookbehind'],
  ['(?=', 'lookahead'],
  ['(?!', 'negative lookahead'],
  ['(?>', 'atomic group'],
];

/** The first lookaround, atomic group or backreference of `source`, outside character classes. */
export function findUnsupported(source: string): UnsupportedConstruct | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && next >= '1' && next <= '9') return { what: 'backreference', text: `\\${next}`, at: i };
      if (!inClass && next === 'k' && source[i + 2] === '<')
        return { what: 'named backreference', text: '\\k<', at: i };
      i++;
    } else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal member, not the end of the class.
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
    } else if (c === '(' && source[i + 1] === '?') {
      for (const [opening, what] of UNSUPPORTED)
        if (source.startsWith(opening, i)) return { what, text: opening, at: i };
    }
  }
  return undefined;
}

/** The engine's own complaint about `source`, without its boilerplate. */
export function engineError(error: unknown): string {
  return (error as Error).message.replace(/^error parsing regexp: /, '');
}
