/**
 * docs/performance.md's figures are the committed bench run's: regenerated from
 * bench/results.json they must read the same, and that run must pass every SPEC §10 check as
 * they stand today (a bar added or tightened since needs a new run).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkResults } from '../../bench/checks.ts';
import {
  embedInReadme,
  PERFORMANCE_DOC,
  README_BEGIN,
  README_END,
  readmeSection,
} from '../../bench/report.ts';
import type { BenchResults } from '../../bench/results.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const results = JSON.parse(read('bench/results.json')) as BenchResults;
const readme = read(PERFORMANCE_DOC);

describe('docs/performance.md figures', () => {
  it('are the committed bench/results.json, as `npm run bench` writes them', () => {
    const generated = embedInReadme(readme, readmeSection(results));
    const section = (text: string) => text.slice(text.indexOf(README_BEGIN), text.indexOf(README_END));
    expect(section(readme)).toBe(section(generated));
  });

  it('come from a full run that meets every SPEC §10 bar checked today', () => {
    const checks = checkResults(results);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    // The run covered every section, so no bar went unchecked.
    expect(Object.keys(results.bursts ?? {})).toHaveLength(3);
    expect(results.pushToPr && results.naiveBurst && results.tags && results.plan).toBeTruthy();
    expect(results.functions?.map((f) => f.name).sort()).toEqual(['reconcile', 'webhook', 'worker']);
    expect(results.checks?.map((c) => c.figure)).toEqual(checks.map((c) => c.figure));
  });
});

describe('embedInReadme', () => {
  it('replaces only the text between the markers', () => {
    const doc = `# T\n\nbefore\n\n${README_BEGIN}\n\nold\n\n${README_END}\n\nafter\n`;
    expect(embedInReadme(doc, 'new')).toBe(
      `# T\n\nbefore\n\n${README_BEGIN}\n\nnew\n\n${README_END}\n\nafter\n`,
    );
  });

  it('refuses a page without the markers instead of appending somewhere', () => {
    expect(() => embedInReadme('# T\n', 'new')).toThrow(/bench:begin/);
  });

  it('the top-level README carries no generated figures: they live on one page', () => {
    expect(read('README.md')).not.toContain(README_BEGIN);
  });
});
