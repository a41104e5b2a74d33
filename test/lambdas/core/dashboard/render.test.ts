import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DashboardLine } from '../../../../lambdas/core/dashboard/lines.ts';
import { MAX_BODY_CHARS } from '../../../../lambdas/core/apply/markdown.ts';
import { readDashboardLines, readTicks, renderDashboard } from '../../../../lambdas/core/dashboard/render.ts';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const line = (over: Partial<DashboardLine> = {}): DashboardLine => ({
  policy: 'api',
  image: IMAGE,
  state: 'up-to-date',
  base: '1.4.2',
  allowed: '1.4.2',
  detail: 'up to date',
  since: '2026-12-03T10:00:00Z',
  ...over,
});

describe('renderDashboard', () => {
  it.each([
    ['up to date', line(), '| `1.4.2` | `1.4.2` | `1.4.2` | up to date |'],
    [
      'a PR open: the PR, not its tag',
      line({ state: 'pr-open', allowed: undefined, pull: 12, detail: 'waits for review' }),
      '| `1.4.2` | in #12 | in #12 | #12 open: waits for review |',
    ],
    [
      'held, with a newer tag outside the range',
      line({ state: 'held', newer: '2.0.0', detail: 'no candidate: 2.0.0 does not satisfy <2' }),
      '| `1.4.2` | `1.4.2` | `2.0.0` | **held**: no candidate: 2.0.0 does not satisfy &#60;2 |',
    ],
    [
      'closed and ignored',
      line({ state: 'ignored', pull: 7, allowed: '1.4.3', detail: '1.4.3 and older were closed unmerged' }),
      '**closed** in #7: 1.4.3 and older were closed unmerged; not proposed again',
    ],
    [
      'failing, with the code',
      line({ state: 'failing', detail: 'GITHUB_SERVER_ERROR' }),
      '**failing**: `GITHUB_SERVER_ERROR`',
    ],
  ])('%s', (_, l, expected) => {
    expect(renderDashboard([l])).toContain(expected);
  });

  it.each([
    ['held', 'retry'],
    ['failing', 'retry'],
    ['ignored', 'unignore'],
  ] as const)('a %s line has a %s box; ticked, it reads back', (state, action) => {
    const body = renderDashboard([line({ state, pull: 3 })]);
    expect(readTicks(body)).toEqual(new Map());
    const ticked = body.replace(`- [ ] <!-- ${action}:api -->`, `- [x] <!-- ${action}:api -->`);
    expect(readTicks(ticked)).toEqual(new Map([['api', action]]));
    // GitHub's editor may save the body with CRLF line endings.
    expect(readTicks(ticked.replace(/\n/g, '\r\n'))).toEqual(new Map([['api', action]]));
  });

  it.each(['up-to-date', 'pr-open', 'blocked'] as const)('a %s line has no box', (state) => {
    expect(renderDashboard([line({ state, pull: 3 })])).not.toContain('- [ ]');
  });

  it('escapes text from the registry and the repository: no link, no cell break, no comment', () => {
    const body = renderDashboard([
      line({ state: 'held', detail: 'tag `x` | [click](https://evil.example) <!-- hide -->' }),
    ]);
    const row = body.split('\n').find((l) => l.startsWith('| api'))!;
    expect(row.split(' | ')).toHaveLength(7);
    expect(row).not.toContain('](');
    expect(row).not.toContain('<!--');
  });

  it('keeps its lines in the hidden state, and a forged earlier marker does not count', () => {
    const lines = [line(), line({ policy: 'web', state: 'pr-open', allowed: undefined, pull: 4 })];
    const body = renderDashboard(lines);
    expect(readDashboardLines(body)).toEqual(lines);
    const forged = `<!-- image-updater-dashboard: {"v":1,"lines":[]} -->\n${body}`;
    expect(readDashboardLines(forged)).toEqual(lines);
    expect(readDashboardLines('a person wrote this')).toEqual([]);
  });

  it('the same lines in any key order render the same body (no write for a line read back)', () => {
    const l = line({ state: 'held', newer: '2.0.0', detail: 'why' });
    const reordered = Object.fromEntries(Object.entries(l).reverse()) as unknown as DashboardLine;
    expect(renderDashboard([reordered])).toBe(renderDashboard([l]));
  });

  it('stays under GitHub’s 65,536 characters, counting the policies that do not fit', () => {
    const many = Array.from({ length: 2_000 }, (_, i) =>
      line({ policy: `policy-${i}`, state: 'held', newer: '2.0.0', detail: 'x'.repeat(100) }),
    );
    const body = renderDashboard(many);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    const shown = readDashboardLines(body).length;
    expect(shown).toBeGreaterThan(100);
    expect(body).toContain(`${2_000 - shown} more policies do not fit in this issue`);
  });

  it('property: any lines, any limit a body can be, the body fits and reads back as a prefix', () => {
    const text = fc.string({ maxLength: 300 });
    const arb = fc.array(
      fc.record({
        policy: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/),
        state: fc.constantFrom('up-to-date', 'pr-open', 'held', 'ignored', 'blocked', 'failing' as const),
        detail: text,
        newer: fc.option(text, { nil: undefined }),
      }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 3_000, max: 20_000 }), (raw, max) => {
        const lines = raw.map((r) =>
          line({ ...r, ...(r.newer === undefined ? {} : { newer: r.newer }), pull: 1 }),
        );
        const body = renderDashboard(lines, max);
        expect(body.length).toBeLessThanOrEqual(max);
        const back = readDashboardLines(body);
        expect(back).toEqual(lines.slice(0, back.length));
      }),
      { numRuns: 100 },
    );
  });
});
