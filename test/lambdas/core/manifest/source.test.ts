import { describe, expect, it } from 'vitest';
import {
  MAX_MANIFEST_BYTES,
  MAX_NESTING_DEPTH,
  editManifest,
  scanManifest,
} from '../../../../lambdas/core/manifest/index.ts';

/** Hostile input must come back as an error, quickly, never hang or take the process down. */
function expectRefusedQuickly(text: string, message: RegExp) {
  const started = performance.now();
  const result = scanManifest(text, 'values.yaml');
  const elapsed = performance.now() - started;
  expect(result).toMatchObject({ ok: false, error: { message } });
  expect(elapsed).toBeLessThan(1500);
  expect(editManifest(text, 'values.yaml', [])).toMatchObject({ ok: false });
}

describe('input guards', () => {
  it.each([
    ['flow sequences', '['.repeat(200_000) + ']'.repeat(200_000)],
    ['flow mappings', '{a: '.repeat(100_000) + '}'.repeat(100_000)],
    ['compact block sequences', `${'- '.repeat(100_000)}x\n`],
    [
      'indented block mappings',
      Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n',
    ],
  ])('refuses nesting deeper than the limit: %s', (_name, text) => {
    expectRefusedQuickly(text, new RegExp(`nesting deeper than ${MAX_NESTING_DEPTH} levels`));
  });

  it('accepts nesting a real manifest uses', () => {
    const text = `${Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n')}\n${'  '.repeat(60)}image: shop/api:1\n`;
    expect(scanManifest(text, 'values.yaml')).toMatchObject({ ok: true, references: [{ line: 61 }] });
  });

  it('refuses an alias bomb (billion laughs) without expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i += 1) {
      const prev = String.fromCharCode(96 + i);
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(', ')}]`,
      );
    }
    expectRefusedQuickly(`${levels.join('\n')}\n`, /alias bomb/);
  });

  it('refuses merge-key chains that multiply the same way', () => {
    const levels = ['m0: &m0 {image: shop/api:1}'];
    for (let i = 1; i < 40; i += 1) {
      levels.push(`m${i}: &m${i}\n  <<: [*m${i - 1}, *m${i - 1}]\n  x${i}: [*m${i - 1}, *m${i - 1}]`);
    }
    expectRefusedQuickly(`${levels.join('\n')}\n`, /alias bomb/);
  });

  it('refuses files over the size limit', () => {
    expectRefusedQuickly(`a: "${'x'.repeat(MAX_MANIFEST_BYTES)}"\n`, /larger than 2 MiB/);
  });

  it('reads an empty file, a comment-only file and empty documents as having no references', () => {
    for (const text of ['', '# only a comment\n', '---\n---\n', '\uFEFF']) {
      expect(scanManifest(text, 'values.yaml')).toEqual({ ok: true, references: [] });
    }
  });

  it('reports duplicate keys as a syntax error (kubectl rejects them too)', () => {
    expect(scanManifest('image: a:1\nimage: b:2\n', 'values.yaml')).toMatchObject({
      ok: false,
      error: { line: 2, column: 1, message: /unique/ },
    });
  });
});

describe('recursive aliases', () => {
  it('an alias inside its own anchor is an error, not an endless walk', () => {
    expect(scanManifest('a: &a {image: shop/api:1, self: *a}\n', 'values.yaml')).toMatchObject({
      ok: false,
      error: { line: 1, message: /alias inside its own anchor/ },
    });
  });
});
