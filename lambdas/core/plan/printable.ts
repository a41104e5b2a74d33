/**
 * Text from a repository (file names, file contents, messages quoting them) made safe to print
 * on a terminal: a newline in a file name would forge a diff header, an ESC start an ANSI
 * sequence, a bidirectional override reorder what a reviewer reads. Such characters are shown
 * JSON-style (`\n`, `\u001b`); everything else is printed as it is.
 */

/* eslint-disable no-control-regex -- matching control characters is the point */
// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, sparing tab and line ends: what a text file's lines are made of.
const UNPRINTABLE_IN_TEXT =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;
/* eslint-enable no-control-regex */

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const escape = (c: string) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A name or message on one line, every control character visible. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escape);
}

/** A file's text for a diff: lines and tabs stay, other control characters become visible. */
export function printableText(text: string): string {
  return text.replace(UNPRINTABLE_IN_TEXT, escape);
}
