/**
 * `tags.pattern` runs on RE2 (re2js, lazily loaded: ./engine.ts), not on the JavaScript engine,
 * so matching is linear in the tag whatever the pattern.
 *
 * RE2 syntax has no lookaround and no backreferences (they are what makes matching exponential):
 * `checkTagPattern` reports them as a config error, so `validate` catches them before a worker
 * ever sees them. Named groups may be written `(?<version>…)` or `(?P<version>…)`.
 */
import type { RE2JS } from 're2js';
import { engineError, findUnsupported, loadPatternEngine, requireEngine } from './engine.ts';
import { InvalidSelectionPolicyError, PatternEngineNotLoadedError } from './errors.ts';
import { globNeedsEngine } from './glob.ts';

export { loadPatternEngine } from './engine.ts';

/** re2js's RE2Flags.UNANCHORED: the match may start anywhere, as `Matcher.find` searches. */
const UNANCHORED = 0;

/** Loads the engine only if one of `policies` has a pattern, or an ignore glob that needs it. */
export async function preparePatterns(
  policies: readonly {
    readonly tags?:
      { readonly pattern?: string | undefined; readonly ignore?: readonly unknown[] | undefined } | undefined;
  }[],
): Promise<void> {
  const needs = policies.some(
    ({ tags }) =>
      tags?.pattern !== undefined ||
      (tags?.ignore ?? []).some((glob) => typeof glob === 'string' && globNeedsEngine(glob)),
  );
  if (needs) await loadPatternEngine();
}

/** A compiled `tags.pattern`. */
export interface TagPattern {
  /** Whether the pattern names a `version` group: versions are then what it captures. */
  readonly versionGroup: boolean;
  /**
   * null: the tag does not match. Otherwise the text compared: the `version` group's capture
   * (undefined when the group took no part in the match), or the whole tag.
   */
  versionOf(tag: string): string | null | undefined;
}

/**
 * Why `source` can't be a `tags.pattern`, or undefined when it can. Lookaround and
 * backreferences are named without the engine; anything else needs it loaded.
 */
export function checkTagPattern(source: string): string | undefined {
  const unsupported = findUnsupported(source);
  if (unsupported !== undefined) {
    const { what, text, at } = unsupported;
    return `not supported by the linear-time engine (RE2 syntax): ${what} "${text}" at character ${at + 1}`;
  }
  let compiled: RE2JS;
  try {
    compiled = requireEngine().compile(source);
  } catch (error) {
    if (error instanceof PatternEngineNotLoadedError) throw error;
    return `invalid regular expression (RE2 syntax): ${engineError(error)}`;
  }
  const groups = Object.keys(compiled.namedGroups());
  if (groups.length > 0 && !groups.includes('version')) {
    return `named groups (${groups.join(', ')}) but none is "version", the part the strategy compares`;
  }
  return undefined;
}

export function compileTagPattern(source: string): TagPattern {
  const problem = checkTagPattern(source);
  if (problem !== undefined) {
    throw new InvalidSelectionPolicyError(`tags.pattern ${JSON.stringify(source)}: ${problem}`);
  }
  const compiled = requireEngine().compile(source);
  const index = compiled.namedGroups().version;
  if (index === undefined) {
    // No group to read: the DFA answers without building a matcher.
    return { versionGroup: false, versionOf: (tag) => (compiled.test(tag) ? tag : null) };
  }
  // The engine's own entry point (what Matcher.find calls, unanchored, so the same answer): a
  // Matcher per tag cost more than the match itself, and only the groups up to `version` are
  // asked for. The engine picks its one-pass or bit-state matcher for a short input by itself.
  const re2 = compiled.re2();
  const groups = index + 1;
  return {
    versionGroup: true,
    versionOf: (tag) => {
      const [found, positions] = re2.matchWithGroup(tag, 0, tag.length, UNANCHORED, groups) as [
        boolean,
        readonly number[] | null,
      ];
      if (!found || positions === null) return null;
      const start = positions[2 * index] ?? -1;
      return start < 0 ? undefined : tag.slice(start, positions[2 * index + 1]);
    },
  };
}
