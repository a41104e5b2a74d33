/**
 * node-semver semantics without node-semver's per-call cost. `semver.parse` and `Range#test`
 * allocate and re-parse on every call (~1 µs and ~2 µs per tag here), too slow for 100,000 tags
 * in 100 ms. This module parses with node-semver's own strict grammar into plain records and
 * tests them against the comparators node-semver itself desugared the range into. Property tests
 * check it agrees with `semver.parse`, `semver.compare` and `semver.satisfies`, and `selectTag`
 * re-checks its winner with node-semver.
 */
import semver from 'semver';

/** What node-semver orders a version by (build metadata never orders, and OCI tags can't hold `+`). */
export interface SemverKey {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

const NO_PRERELEASE: readonly (string | number)[] = [];
const MAX_LENGTH = 256;
const DOT = 46;
const HYPHEN = 45;
const PLUS = 43;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentifierChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === HYPHEN;
}

/**
 * The version in `text`, as `semver.parse(text)` reads it, or undefined. `text` must not carry
 * surrounding white space (node-semver trims it; tags can't contain it). A scanner for
 * node-semver's strict `FULL` grammar (`^v?(0|[1-9]\d*)\.(…)\.(…)(?:-pre)?(?:\+build)?$`): the
 * regex allocates a match array per tag, which dominated the profile.
 */
export function parseSemver(text: string): SemverKey | undefined {
  const n = text.length;
  if (n > MAX_LENGTH || n === 0) return undefined;
  let start = text.charCodeAt(0) === 118 /* v */ ? 1 : 0;
  let end = digitsEnd(text, start);
  const major = numberIn(text, start, end);
  if (major < 0 || text.charCodeAt(end) !== DOT) return undefined;
  start = end + 1;
  end = digitsEnd(text, start);
  const minor = numberIn(text, start, end);
  if (minor < 0 || text.charCodeAt(end) !== DOT) return undefined;
  start = end + 1;
  end = digitsEnd(text, start);
  const patch = numberIn(text, start, end);
  if (patch < 0) return undefined;
  let i = end;
  let prerelease = NO_PRERELEASE;
  if (i < n && text.charCodeAt(i) === HYPHEN) {
    const preStart = i + 1;
    i = scanIdentifiers(text, preStart, true);
    if (i < 0) return undefined;
    prerelease = text.slice(preStart, i).split('.').map(identifier);
  }
  if (i < n && text.charCodeAt(i) === PLUS) i = scanIdentifiers(text, i + 1, false);
  if (i !== n) return undefined;
  return { major, minor, patch, prerelease };
}

/** The index after the digits that start at `start` (`start` itself when there are none). */
function digitsEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** `text[start, end)` read as `0|[1-9]\d*`, at most MAX_SAFE_INTEGER; -1 when it is not one. */
function numberIn(text: string, start: number, end: number): number {
  if (end === start || (end - start > 1 && text.charCodeAt(start) === 48)) return -1;
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (text.charCodeAt(i) - 48);
  return value > Number.MAX_SAFE_INTEGER ? -1 : value;
}

/**
 * Dot-separated identifiers from `start`; the index after them, or -1. Pre-release identifiers
 * that are all digits may not have a leading zero; build identifiers may.
 */
function scanIdentifiers(text: string, start: number, prerelease: boolean): number {
  const n = text.length;
  let i = start;
  for (;;) {
    const begin = i;
    let digitsOnly = true;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (!isIdentifierChar(c)) break;
      if (!isDigit(c)) digitsOnly = false;
      i++;
    }
    if (i === begin) return -1;
    if (prerelease && digitsOnly && i - begin > 1 && text.charCodeAt(begin) === 48) return -1;
    if (i < n && text.charCodeAt(i) === DOT) i++;
    else return i;
  }
}

function identifier(id: string): string | number {
  if (isDigit(id.charCodeAt(0)) && isDigit(id.charCodeAt(id.length - 1))) {
    let digits = true;
    for (let k = 1; k < id.length - 1 && digits; k++) digits = isDigit(id.charCodeAt(k));
    const num = digits ? +id : NaN;
    if (num >= 0 && num < Number.MAX_SAFE_INTEGER) return num;
  }
  return id;
}

const compareIdentifiers = semver.compareIdentifiers as (
  a: string | number,
  b: string | number,
) => -1 | 0 | 1;

/** `semver.compare`: negative when a < b. */
export function compareSemver(a: SemverKey, b: SemverKey): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const ap = a.prerelease;
  const bp = b.prerelease;
  if (ap.length === 0) return bp.length === 0 ? 0 : 1;
  if (bp.length === 0) return -1;
  for (let i = 0; ; i++) {
    const x = ap[i];
    const y = bp[i];
    if (x === undefined) return y === undefined ? 0 : -1;
    if (y === undefined) return 1;
    if (x !== y) return compareIdentifiers(x, y);
  }
}

type Operator = '' | '=' | '<' | '>' | '<=' | '>=';
interface Comparator {
  readonly op: Operator;
  /** undefined: node-semver's ANY, which admits everything. */
  readonly version: SemverKey | undefined;
}

export interface CompiledRange {
  readonly includePrerelease: boolean;
  readonly sets: readonly (readonly Comparator[])[];
}

/** Desugars a range the way node-semver does (caret, tilde, x-ranges, hyphens), once. */
export function compileRange(range: string, includePrerelease: boolean): CompiledRange {
  const parsed = new semver.Range(range, { includePrerelease });
  return {
    includePrerelease,
    sets: parsed.set.map((set) =>
      set.map((c) => ({
        op: c.operator,
        // node-semver marks "any version" with a symbol in place of the SemVer.
        version: typeof c.semver === 'object' ? toKey(c.semver) : undefined,
      })),
    ),
  };
}

function toKey(v: semver.SemVer): SemverKey {
  return { major: v.major, minor: v.minor, patch: v.patch, prerelease: v.prerelease };
}

function passes(c: Comparator, v: SemverKey): boolean {
  if (c.version === undefined) return true;
  const order = compareSemver(v, c.version);
  switch (c.op) {
    case '':
    case '=':
      return order === 0;
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}

/** `semver.satisfies(v, range, { includePrerelease })`. */
export function satisfiesRange(range: CompiledRange, v: SemverKey): boolean {
  for (const set of range.sets) if (satisfiesSet(set, v, range.includePrerelease)) return true;
  return false;
}

function satisfiesSet(set: readonly Comparator[], v: SemverKey, includePrerelease: boolean): boolean {
  for (const c of set) if (!passes(c, v)) return false;
  if (v.prerelease.length === 0 || includePrerelease) return true;
  // Without includePrerelease, node-semver admits a pre-release only when a comparator of the
  // same set names a pre-release of the same major.minor.patch (`>=1.2.3-rc.1` admits `1.2.3-rc.2`).
  return set.some(
    ({ version: c }) =>
      c !== undefined &&
      c.prerelease.length > 0 &&
      c.major === v.major &&
      c.minor === v.minor &&
      c.patch === v.patch,
  );
}
