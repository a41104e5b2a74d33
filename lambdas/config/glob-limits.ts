/**
 * Bounds on user globs and patterns, checked before anything compiles them: picomatch's parse of
 * nested braces is super-linear (a 60 KB `{{{…}}}` took over a minute), and no tag is longer than
 * 128 characters, so nothing useful is lost.
 */
import * as z from 'zod';

export const TEXT_LIMITS = {
  tagPatternChars: 1_024,
  tagGlobChars: 256,
  fileGlobChars: 1_024,
  braceDepth: 8,
} as const;

function braceDepth(glob: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i];
    if (c === '\\') i += 1;
    else if (c === '{') deepest = Math.max(deepest, (depth += 1));
    else if (c === '}') depth = Math.max(0, depth - 1);
  }
  return deepest;
}

/** A non-empty glob of at most `maxChars`, braces nested at most TEXT_LIMITS.braceDepth deep. */
export function boundedGlob(maxChars: number) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(maxChars, `longer than ${maxChars.toLocaleString('en-US')} characters`)
    .refine(
      (g) => g.length > maxChars || braceDepth(g) <= TEXT_LIMITS.braceDepth,
      `braces nested deeper than ${TEXT_LIMITS.braceDepth} levels`,
    );
}

export const fileGlob = boundedGlob(TEXT_LIMITS.fileGlobChars)
  .refine((g) => !g.startsWith('/') && !/^[A-Za-z]:/.test(g), 'globs are relative to the repository root')
  .refine(
    (g) => !g.split('/').includes('..'),
    '".." may not appear in a glob: files outside the repo are never read',
  );
