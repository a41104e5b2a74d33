/**
 * Every relative link in the user documentation (README.md, docs/*.md) leads somewhere: a file
 * or folder of the repository and, for a `#fragment` into a Markdown page, one of its headings.
 * A broken link is what a reader of the docs notices first.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Markdown without its code blocks: a `#` line or a link inside one is an example. */
function withoutBlocks(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** … and without code spans: `[x](y)` in backticks is shown, not linked. */
function prose(text: string): string {
  return withoutBlocks(text).replace(/`[^`\n]*`/g, '');
}

export function linkTargets(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutBlocks(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

function brokenLinks(page: string): string[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const broken: string[] = [];
  for (const target of linkTargets(text)) {
    if (isExternal(target)) continue;
    const [path = '', fragment] = target.split('#', 2);
    const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), decodeURI(path));
    if (relative(ROOT, file).startsWith('..')) {
      broken.push(`${target}: outside the repository`);
      continue;
    }
    if (!existsSync(file)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (fragment !== undefined && statSync(file).isFile() && file.endsWith('.md')) {
      if (!anchorsOf(readFileSync(file, 'utf8')).has(fragment))
        broken.push(`${target}: no heading #${fragment}`);
    }
  }
  return broken;
}

describe('documentation links', () => {
  it.each(PAGES)('%s: every relative link points to an existing file and heading', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('covers the README and the docs folder', () => {
    expect(PAGES).toContain('README.md');
    expect(PAGES).toContain('docs/configuration.md');
  });
});

describe('the link checker itself', () => {
  it.each([
    ['[a](docs/cli.md)', ['docs/cli.md']],
    ['[a](x.md#part "title")', ['x.md#part']],
    ['`[not](a-link.md)` and\n```\n[nor](this.md)\n```\n', []],
    ['[ext](https://example.com/a)', ['https://example.com/a']],
  ])('reads the targets of %j', (text, targets) => {
    expect(linkTargets(text)).toEqual(targets);
  });

  it.each([
    ['## 3. Put the GitHub credentials in the secret', '3-put-the-github-credentials-in-the-secret'],
    ['## Rotating the `GITHUB` credentials', 'rotating-the-github-credentials'],
    ['## The checks, in order', 'the-checks-in-order'],
  ])('derives GitHub’s anchor of %j', (heading, anchor) => {
    expect(anchorsOf(heading)).toContain(anchor);
  });
});
