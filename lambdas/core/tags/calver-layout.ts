/**
 * Calendar-version layouts (calver.org tokens). A layout such as `vYYYY-MM-0D` or
 * `YYYY.0M.0D-MODIFIER` is compiled once into a regular expression; tags are then read into
 * comparable parts. The schema uses the compiler to reject a bad layout at validation time, so
 * a policy that loads is a policy whose layout compiles.
 */

const CALVER_TOKENS = ['MODIFIER', 'MICRO', 'YYYY', 'YY', '0Y', 'MM', '0M', 'DD', '0D'] as const;
type CalverToken = (typeof CALVER_TOKENS)[number];

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
  let reader = readers.get(layout);
  if (reader === undefined) {
    reader = calverReader(layout);
    readers.set(layout, reader);
  }
  return reader(tag);
}

const readers = new WeakMap<CalverLayout, (tag: string) => CalverVersion | undefined>();

/** `readCalver` bound to one layout, for reading many tags. */
export function calverReader(layout: CalverLayout): (tag: string) => CalverVersion | undefined {
  const steps = planFor(layout.source);
  if (steps === null) return (tag) => readCalverByRegex(layout, tag);
  const regex = layout.regex;
  return (tag) => (regex.test(tag) ? extract(steps, tag) : undefined);
}

// Small integers rather than enums, so the file stays erasable TypeScript.
const Kind = { Literal: 0, Number: 1, Modifier: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];
const Field = { None: 0, Year: 1, ShortYear: 2, Month: 3, Day: 4, Micro: 5 } as const;
type Field = (typeof Field)[keyof typeof Field];

/** One shape for every step keeps the walk monomorphic. */
interface Step {
  readonly kind: Kind;
  readonly field: Field;
  /** Literal or separator length; a number's width, 0 when variable. */
  readonly length: number;
}

const FIELD: Record<Exclude<CalverToken, 'MODIFIER'>, [Field, number]> = {
  YYYY: [Field.Year, 4],
  YY: [Field.ShortYear, 0],
  '0Y': [Field.ShortYear, 0],
  MM: [Field.Month, 0],
  '0M': [Field.Month, 2],
  DD: [Field.Day, 0],
  '0D': [Field.Day, 2],
  MICRO: [Field.Micro, 0],
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Where each field sits in a tag that matched the layout, when that is unambiguous: every
 * variable-width number is followed by a non-digit or the end. Then a `test` and a walk replace
 * `exec`, whose capture groups cost three times as much (selection reads every listed tag).
 * null: the layout needs the regex's backtracking to split a tag (`YYYYMMDD`).
 */
function planFor(source: string): readonly Step[] | null {
  const steps: Step[] = [];
  let literal = '';
  // A variable-width number ends only where a non-digit (or the tag) does.
  const openEnded = () => {
    const last = steps.at(-1);
    return last?.kind === Kind.Number && last.length === 0;
  };
  for (let i = 0; i < source.length;) {
    const token = CALVER_TOKENS.find((t) => source.startsWith(t, i));
    if (token === undefined) {
      literal += source[i];
      i += 1;
      continue;
    }
    if (openEnded() && (literal === '' || isDigit(literal.charCodeAt(0)))) return null;
    if (token === 'MODIFIER') {
      steps.push({ kind: Kind.Modifier, field: Field.None, length: literal.length });
    } else {
      if (literal !== '') steps.push({ kind: Kind.Literal, field: Field.None, length: literal.length });
      const [field, width] = FIELD[token];
      steps.push({ kind: Kind.Number, field, length: width });
    }
    literal = '';
    i += token.length;
  }
  if (literal !== '') {
    if (steps.at(-1)?.kind === Kind.Modifier || (openEnded() && isDigit(literal.charCodeAt(0)))) return null;
    steps.push({ kind: Kind.Literal, field: Field.None, length: literal.length });
  }
  return steps;
}

/** The fields of a tag the layout's regex has already accepted. */
function extract(steps: readonly Step[], tag: string): CalverVersion {
  let year = -1;
  let shortYear = 0;
  let month = 0;
  let day = 0;
  let micro = 0;
  let modifier = '';
  let p = 0;
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    if (step.kind === Kind.Literal) p += step.length;
    else if (step.kind === Kind.Modifier) {
      if (p < tag.length) modifier = tag.slice(p + step.length);
    } else {
      let value = 0;
      const end = step.length === 0 ? tag.length : p + step.length;
      for (let c = tag.charCodeAt(p); p < end && isDigit(c); c = tag.charCodeAt(++p))
        value = value * 10 + c - 48;
      switch (step.field) {
        case Field.Year:
          year = value;
          break;
        case Field.ShortYear:
          shortYear = value;
          break;
        case Field.Month:
          month = value;
          break;
        case Field.Day:
          day = value;
          break;
        default:
          micro = value;
      }
    }
  }
  return { year: year >= 0 ? year : 2000 + shortYear, month, day, micro, modifier };
}

/** `readCalver` through the layout's capture groups: the reference the fast walk is tested against. */
export function readCalverByRegex(layout: CalverLayout, tag: string): CalverVersion | undefined {
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
