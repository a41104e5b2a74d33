/**
 * `tags.ignore` globs (picomatch syntax with `dot: true`: `*` matches any tag). picomatch turns a
 * glob into a backtracking RegExp, and tags are chosen by whoever can push: `*a*a*a*a*a*b` takes
 * seconds on a 128-character tag (the cost grows as the tag length to the power of the number of
 * stars), and picomatch passes regex groups and quantifiers through, so `(a+)+x`,
 * `[a-z]+[a-z]+x` or `{a,a}{a,a}…` stall it without a star at all. Hence two engines:
 * - a simple glob (tag characters, `?`, bracket classes, a leading `!`, at most one `*`) runs on
 *   the JavaScript engine: its backtracking is bounded by the tag length times the glob's, and
 *   most ignore globs (`*-debug`, `latest`, `sha-*`) are simple and stay fast;
 * - any other runs on RE2 (./engine.ts), linear in the tag. RE2 has no lookaround, so the
 *   lookaheads picomatch adds for dot segments and empty names are dropped: they cannot matter
 *   for a tag, which the OCI grammar check has already made non-empty, never `.` or `..`, and
 *   free of `/`. Any other lookaround is refused.
 * Extglobs (`!(…)`, `@(…)`, `+(…)`, `*(…)`, `?(…)`) are refused: they are nested quantifiers by
 * another name, and braces (`{a,b}`) say what they would.
 */
import picomatch from 'picomatch';
import { engineError, findUnsupported, requireEngine } from './engine.ts';
import { InvalidSelectionPolicyError, PatternEngineNotLoadedError } from './errors.ts';

const OPTIONS = { dot: true, noextglob: true } as const;

/**
 * What picomatch adds to keep `*` and `**` off `.`, `..` and empty path segments. Each stands at
 * the start of the glob or after a `/`, so for a tag (never empty, never starting with `.`, no
 * `/`) it always holds. `(?=.)` also follows NO_DOT_SLASH mid-tag: see there.
 */
const DOT_LOOKAHEADS = ['(?!(?:^|\\/)\\.{1,2}(?:\\/|$))', '(?!\\.{1,2}(?:\\/|$))', '(?=.)'];
/**
 * What picomatch adds after a `.` token and before a `*`: the rest of the tag is neither empty
 * nor `.`. A `.` is such a token at the start of the glob (no tag starts with `.`: moot) and
 * anywhere inside braces or parentheses, where it does matter: `{v1.*,v2}` does not match `v1.`,
 * though `v1.*` does. RE2 cannot say it, so such a glob is refused rather than answered otherwise.
 */
const NO_DOT_SLASH = '(?!\\.{0,1}(?:\\/|$))';

/** Tag characters, `?`, bracket classes (`[0-9]`, `[!a]`, `[^a]`) and `!`: no group, no quantifier. */
const SIMPLE = /^[A-Za-z0-9._?*[\]!^-]*$/;

function stars(glob: string): number {
  let n = 0;
  for (let i = 0; i < glob.length; i++) if (glob.charCodeAt(i) === 42 /* * */) n++;
  return n;
}

/** Whether `glob` runs on RE2, so the engine must be loaded before it is checked or compiled. */
export function globNeedsEngine(glob: string): boolean {
  return stars(glob) > 1 || !SIMPLE.test(glob);
}

function extglobAt(glob: string): number {
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') i++;
    else if (glob[i + 1] === '(' && (c === '!' || c === '@' || c === '+' || c === '*' || c === '?')) return i;
  }
  return -1;
}

type Compiled =
  | { readonly ok: true; readonly matches: (tag: string) => boolean }
  | { readonly ok: false; readonly problem: string };

function compile(glob: string): Compiled {
  const fail = (problem: string): Compiled => ({ ok: false, problem });
  const at = extglobAt(glob);
  if (at >= 0) {
    return fail(
      `extglob "${glob.slice(at, at + 2)}…)" at character ${at + 1} is not supported; list the alternatives in braces, e.g. {a,b}`,
    );
  }
  let regex: RegExp & { state?: { output: string; negated: boolean } };
  try {
    // debug: an invalid expression (`[z-a]`) is an error, not a glob that silently matches nothing.
    regex = picomatch.makeRe(glob, { ...OPTIONS, debug: true }, false, true);
  } catch (error) {
    const message = (error as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '');
    return fail(`not a valid glob: ${message}`);
  }
  if (!globNeedsEngine(glob)) return { ok: true, matches: (tag) => regex.test(tag) };
  const { output, negated } = regex.state ?? { output: '', negated: false };
  const leadingDot = output.startsWith('\\.');
  if (output.includes(NO_DOT_SLASH) && !leadingDot) {
    return fail(
      'a "*" right after a "." inside braces or parentheses never matches an empty or "." rest of the tag, which the linear-time engine (RE2) cannot check; list the alternatives as separate globs (e.g. "v1.*" and "v2" for "{v1.*,v2}")',
    );
  }
  let source = `^(?:${output})$`;
  for (const lookahead of [...DOT_LOOKAHEADS, NO_DOT_SLASH]) source = source.split(lookahead).join('');
  const unsupported = findUnsupported(source);
  if (unsupported !== undefined) {
    return fail(
      `becomes a regular expression with a ${unsupported.what} "${unsupported.text}", which the linear-time engine (RE2) cannot run`,
    );
  }
  let re2;
  try {
    re2 = requireEngine().compile(source);
  } catch (error) {
    if (error instanceof PatternEngineNotLoadedError) throw error;
    return fail(
      `becomes a regular expression the linear-time engine (RE2) cannot run: ${engineError(error)}`,
    );
  }
  return { ok: true, matches: negated ? (tag) => !re2.test(tag) : (tag) => re2.test(tag) };
}

/**
 * Why `glob` can't be a `tags.ignore` entry, or undefined when it can. A glob that runs on RE2
 * (`globNeedsEngine`) needs the engine loaded.
 */
export function checkIgnoreGlob(glob: string): string | undefined {
  const compiled = compile(glob);
  return compiled.ok ? undefined : compiled.problem;
}

/** A matcher for OCI-valid tags (the grammar check runs first): whether `glob` matches the tag. */
export function compileIgnoreGlob(glob: string): (tag: string) => boolean {
  const compiled = compile(glob);
  if (!compiled.ok) {
    throw new InvalidSelectionPolicyError(`tags.ignore ${JSON.stringify(glob)}: ${compiled.problem}`);
  }
  return compiled.matches;
}
