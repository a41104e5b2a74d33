/**
 * Repository text (file names above all) in a PR description. A name is data, never markup: a
 * `|` must not split a table cell, a newline end a row, a backtick close a code span, `<!--`
 * open an HTML comment that swallows what follows, `[x](…)` become a link.
 */
import { printable } from '../plan/printable.ts';

/** Plain text: Markdown and HTML punctuation as character references, controls made visible. */
export function markdownText(text: string): string {
  return printable(text).replace(/[\\`*_[\]()<>|&!~#]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A code span, fenced by one backtick more than the longest run inside (CommonMark), so any
 * name shows as it is; controls made visible, since a code span cannot hold a line break.
 */
export function inlineCode(text: string): string {
  const body = printable(text);
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // One space each side is stripped again; it keeps a backtick at either end off the fence.
  const pad = /^[` ]|[` ]$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * A code span in a table cell: GitHub splits cells at `|` before it reads code spans, but not at
 * `\|`. A backslash of the name's own just before a `|` would pair with ours, so it is written
 * as `\u005c`, like the other characters `printable` escapes.
 */
export function cellCode(text: string): string {
  return inlineCode(text)
    .replace(/\\(?=\|)/g, '\\u005c')
    .replace(/\|/g, '\\|');
}

/** GitHub refuses an issue or pull request body longer than this. */
export const MAX_BODY_CHARS = 65_536;

/**
 * A link whose text is already Markdown (a code span, say) to an address we built: only
 * `https:` is linked, and the characters that could end the destination early are encoded.
 */
export function markdownLink(text: string, url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed?.protocol !== 'https:') return text;
  return `[${text}](${parsed.href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)})`;
}
