/**
 * Calendar-version layouts (calver.org tokens). A layout such as `vYYYY-MM-0D` or
 * `YYYY.0M.0D-MODIFIER` is compiled once into a regular expression; tags are then read into
 * comparable parts. The schema uses the compiler to reject a bad layout at validation time, so
 * a policy that loads is a policy whose layout compiles.
 */

export const CALVER_TOKENS = ['MODIFIER', 'MICRO', 'YYYY', 'YY', '0Y', 'MM', '0M', 'DD', '0D'] as const;
export type CalverToken = (typeof CALVER_TOKENS)[number];

const TOKEN_PATTERN: Record<CalverToken, string> = {
  YYYY: '(?<year>\\d{4})',
  // Short year (calver.org): year - 2000 without padding; 0Y pads to two digits.
  YY: '(?<yy>0|[1-9]\\d{0,2})',
  '0Y': '(?<yy>\\d{2,3})',
  MM: '(?<month>1[0-2]|[1-9])',
  '0M': '(?<month>1[0-2]|0[1-9])',
  DD: '(?<day>3[01]|[12]\\d|[1-9])',
  '0D': '(?<day>3[01]|[12]\\d|0[1-9])',
  MICRO: '(?<micro>0|[1-9]\\d*)',
  MODIFIER: '(?<modifier>[0-9A-Za-z][0-9A-Za-z.]*)',
};

export interface CalverLayout {
  readonly source: string;
  readonly regex: RegExp;
}

export interface CalverVersion {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly micro: number;
  /** Empty for a release; a pre-release (rc1, beta.2) sorts below the release it precedes. */
  readonly modifier: string;
}

export type CalverLayoutResult = { ok: true; layout: CalverLayout } | { ok: false; reason: string };

function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileCalverLayout(source: string): CalverLayoutResult {
  const seen = new Set<string>();
  const parts: string[] = [];
  let pendingLiteral = '';
  let hasYear = false;
  let sawModifier = false;
  for (let i = 0; i < source.length;) {
    const token = CALVER_TOKENS.find((t) => source.startsWith(t, i));
    if (!token) {
      pendingLiteral += source[i];
      i += 1;
      continue;
    }
    if (sawModifier) return { ok: false, reason: 'MODIFIER must be the last token of the layout' };
    const group = TOKEN_PATTERN[token].slice(4, TOKEN_PATTERN[token].indexOf('>'));
    if (seen.has(group)) return { ok: false, reason: `layout names the ${group} twice` };
    seen.add(group);
    if (token === 'YYYY' || token === 'YY' || token === '0Y') hasYear = true;
    if (token === 'MODIFIER') {
      // The modifier and the separator before it are optional: `2026.02.01` is the release,
      // `2026.02.01-rc1` its pre-release.
      parts.push(`(?:${escapeRegex(pendingLiteral)}${TOKEN_PATTERN[token]})?`);
      sawModifier = true;
    } else {
      parts.push(escapeRegex(pendingLiteral), TOKEN_PATTERN[token]);
    }
    pendingLiteral = '';
    i += token.length;
  }
  if (!hasYear) return { ok: false, reason: 'layout needs a year token (YYYY, YY or 0Y)' };
  parts.push(escapeRegex(pendingLiteral));
  return { ok: true, layout: { source, regex: new RegExp(`^${parts.join('')}$`) } };
}

/** Reads a tag through a layout; undefined when the tag does not follow it. */
export function readCalver(layout: CalverLayout, tag: string): CalverVersion | undefined {
  const groups = layout.regex.exec(tag)?.groups;
  if (!groups) return undefined;
  const year = groups.year !== undefined ? Number(groups.year) : 2000 + Number(groups.yy);
  return {
    year,
    month: groups.month !== undefined ? Number(groups.month) : 0,
    day: groups.day !== undefined ? Number(groups.day) : 0,
    micro: groups.micro !== undefined ? Number(groups.micro) : 0,
    modifier: groups.modifier ?? '',
  };
}

const collator = new Intl.Collator('en', { numeric: true });

/** Negative when a orders below b. A release orders above its own pre-releases. */
export function compareCalver(a: CalverVersion, b: CalverVersion): number {
  const byDate = a.year - b.year || a.month - b.month || a.day - b.day || a.micro - b.micro;
  if (byDate !== 0) return byDate;
  if (a.modifier === b.modifier) return 0;
  if (a.modifier === '') return 1;
  if (b.modifier === '') return -1;
  return collator.compare(a.modifier, b.modifier);
}
