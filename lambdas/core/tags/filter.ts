/**
 * The checks every strategy shares (SPEC §4): OCI tag grammar, referrer tags, `tags.ignore`
 * globs, and `tags.pattern`, which also picks the text the strategy compares.
 */
import { DIGEST } from '../image/reference.ts';
import { compileIgnoreGlob } from './glob.ts';
import { compileTagPattern } from './pattern.ts';
import { skip, type Skip } from './skip.ts';
import type { SelectionPolicy } from './types.ts';

const INVALID_TAG = skip('invalid-oci-tag');
const REFERRER = skip('referrer-tag');
const PATTERN_MISMATCH = skip('pattern-mismatch');
const EMPTY_VERSION = skip('pattern-mismatch', 'the "version" group captured nothing');

/**
 * Signatures, attestations and SBOMs that cosign, notation and the OCI referrers fallback push
 * as tags. They name another image's digest and are never a version to deploy.
 */
export function isReferrerTag(tag: string): boolean {
  // The last character picks the one suffix worth testing: this runs once per listed tag.
  switch (tag.charCodeAt(tag.length - 1)) {
    case 103 /* g */:
      if (tag.endsWith('.sig')) return true;
      break;
    case 116 /* t */:
      if (tag.endsWith('.att')) return true;
      break;
    case 109 /* m */:
      if (tag.endsWith('.sbom')) return true;
      break;
  }
  return tag.charCodeAt(0) === 115 /* s */ && tag.startsWith('sha256-');
}

const SIGNATURE_TAG = /^sha256-([a-f0-9]{64})(?:\.sig)?$/;

/**
 * The digest a signature tag is about: cosign's `sha256-<hex>.sig`, or the referrers tag
 * schema's `sha256-<hex>` (where a registry without the referrers API lists a digest's
 * referrers, Sigstore bundles among them). Such a push is no candidate, but it can release an
 * image held for its signature (`core/verify/gate.ts`). Undefined for any other tag.
 */
export function signatureSubject(tag: string): string | undefined {
  const match = SIGNATURE_TAG.exec(tag);
  return match ? `sha256:${match[1]}` : undefined;
}

/** Per ASCII code: 2 may start a tag (`[A-Za-z0-9_]`), 1 may follow (`.` `-`), 0 never. */
const TAG_CHAR = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    table[c] = alnum ? 2 : c === 46 || c === 45 ? 1 : 0;
  }
  return table;
})();

/**
 * `OCI_TAG` without a regex engine call: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`. A table lookup per
 * character: it runs on every tag that could win, which in an ascending listing is every tag.
 */
export function isOciTag(tag: string): boolean {
  const n = tag.length;
  if (n === 0 || n > 128) return false;
  const first = tag.charCodeAt(0);
  if (first >= 128 || TAG_CHAR[first] !== 2) return false;
  for (let i = 1; i < n; i++) {
    const c = tag.charCodeAt(i);
    if (c >= 128 || TAG_CHAR[c] === 0) return false;
  }
  return true;
}

/** Policy-independent checks: what a tag must be before any policy looks at it. */
export function screenTag(tag: string): Skip | undefined {
  if (!isOciTag(tag)) return INVALID_TAG;
  if (isReferrerTag(tag)) return REFERRER;
  return undefined;
}

/** A digest is written verbatim next to the tag, so it must be `algorithm:encoded`. */
export function isDigestOrAbsent(digest: string | undefined): boolean {
  return digest === undefined || DIGEST.test(digest);
}

export interface TagFilter {
  /** `tags.ignore`. */
  ignored(tag: string): boolean;
  /** The text the strategy compares: the pattern's `version` group, or the whole tag. */
  versionOf(tag: string): string | Skip;
  /** Whether versions come from a `version` group the user wrote (an opt-in for partial semver). */
  readonly versionGroup: boolean;
}

export function compileTagFilter(policy: Pick<SelectionPolicy, 'tags'>): TagFilter {
  const ignore = policy.tags.ignore;
  const globs = ignore.map(compileIgnoreGlob);
  const ignored = (tag: string) => {
    for (const glob of globs) if (glob(tag)) return true;
    return false;
  };
  const source = policy.tags.pattern;
  if (source === undefined) {
    return { ignored, versionOf: (tag) => tag, versionGroup: false };
  }
  const pattern = compileTagPattern(source);
  const versionOf = (tag: string): string | Skip => {
    // The tag grammar first: a pattern never runs over text that could not be a tag.
    if (!isOciTag(tag)) return INVALID_TAG;
    const version = pattern.versionOf(tag);
    if (version === null) return PATTERN_MISMATCH;
    return version === undefined || version === '' ? EMPTY_VERSION : version;
  };
  return { ignored, versionOf, versionGroup: pattern.versionGroup };
}
