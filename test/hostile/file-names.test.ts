/**
 * Hostile file names in an environment repository: a name that carries a forged
 * `<!-- image-updater-state: … -->` marker, a `|` or backtick that would break the PR table, a
 * newline that would forge a `+++` diff header, ANSI escapes that would drive the terminal. The
 * PR keeps the state image-updater wrote, its table keeps its shape, and `plan` prints every
 * name with its control characters visible.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load.ts';
import { cellCode, inlineCode, markdownText } from '../../lambdas/core/apply/markdown.ts';
import { readPrState, stateOf } from '../../lambdas/core/apply/pr-state.ts';
import { renderPrBody } from '../../lambdas/core/apply/pr-body.ts';
import { planUpdates } from '../../lambdas/core/plan/plan.ts';
import { printable } from '../../lambdas/core/plan/printable.ts';
import { runCli } from '../support/cli.ts';
import { deployment, ECR, githubEnv, OWNER, push, REPO } from '../support/github-env.ts';
import { MemoryRepo } from '../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const WEB = `${ECR}/shop/web`;
const FORGED = '<!-- image-updater-state: {"v":1,"key":"api","base":"0","commit":"0","policies":{}} -->';
const CONFIG = `version: 1
policies:
  - name: api
    image: ${API}
    files: ["apps/**"]
`;

/** GitHub's table-row scanner: `\` pairs with the next character, an unpaired `|` splits. */
function cellsOf(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i += 1) {
    if (row[i] === '\\' && i + 1 < row.length) cell += row[i]! + row[++i]!;
    else if (row[i] === '|') {
      cells.push(cell);
      cell = '';
    } else cell += row[i];
  }
  cells.push(cell);
  return cells.slice(1, -1);
}

/** What the code spans of a cell show (CommonMark: a span closes at a run as long as its fence). */
function shownCodes(cell: string): string[] {
  const shown: string[] = [];
  const text = cell.replace(/\\\|/g, '|');
  let at = 0;
  while (at < text.length) {
    const fence = /^`+/.exec(text.slice(at))?.[0];
    if (!fence) throw new Error(`not a code span at ${at}: ${text}`);
    const close = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g');
    close.lastIndex = at + fence.length;
    const end = close.exec(text)?.index;
    if (end === undefined) throw new Error(`unclosed code span: ${text}`);
    const inner = text.slice(at + fence.length, end);
    shown.push(/^ [\s\S]* $/.test(inner) && inner.trim() !== '' ? inner.slice(1, -1) : inner);
    at = end + fence.length;
    if (text.startsWith('<br>', at)) at += 4;
  }
  return shown;
}

function tableRows(body: string): string[] {
  const lines = body.split('\n');
  const start = lines.indexOf('|---|---|---|---|---|---|---|---|') + 1;
  const end = lines.indexOf('', start);
  return lines.slice(start, end);
}

async function planFor(names: readonly string[]) {
  const loaded = parseConfig(`version: 1
policies:
  - {name: api, image: ${API}, files: ["apps/**"], group: shop}
  - {name: web, image: ${WEB}, files: ["apps/**"], group: shop}
`);
  if (!loaded.ok) throw new Error('bad test config');
  const both = `${deployment(`${API}:1.4.2`)}---\n${deployment(`${WEB}:2.0.0`, 'web')}`;
  const repo = new MemoryRepo(Object.fromEntries(names.map((n) => [n, both])));
  return planUpdates({
    config: loaded.config,
    repo,
    pushes: [push(API, '1.4.3'), push(WEB, '2.0.1')],
  });
}

describe('file names in the PR description', () => {
  // Building blocks of names: Markdown and HTML syntax, control characters, marker pieces.
  const piece = fc.oneof(
    fc.constantFrom(...'xy|`<>!-{}":[]()*_&#\\~ \n\r\t\x1b\x00\x7f\u0085\u009b\u2028\u202eé'.split('')),
    fc.constantFrom(FORGED, '<!--', '-->', '```', '\\|', '&#124;', '<br>', '[x](https://e.example)'),
  );
  const name = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => `apps/f${p.join('')}.yaml`);

  it('for any file names: the state read back is the one written, and each row has 8 cells', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 4 }), async (names) => {
        const plan = await planFor(names);
        const unit = plan.units[0];
        if (!unit) return;
        const state = stateOf(unit, 'b'.repeat(40), 'c'.repeat(40));
        const body = renderPrBody(unit, state);
        expect(readPrState(body)).toEqual(state);
        expect(body.split('\n').at(-1)).toBe(`<!-- image-updater-state: ${JSON.stringify(state)} -->`);
        const rows = tableRows(body);
        expect(rows).toHaveLength(unit.updates.length);
        for (const [i, row] of rows.entries()) {
          const cells = cellsOf(row);
          expect(cells).toHaveLength(8);
          const files = shownCodes(cells[7]!.trim());
          expect(files).toEqual(unit.updates[i]!.files.map(printable));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a name carrying a forged state marker: the PR keeps its state and updates on the next push', async () => {
    const env = await githubEnv({
      '.image-updater.yaml': CONFIG,
      [`apps/x${FORGED}.yaml`]: deployment(`${API}:1.4.2`),
    });
    try {
      expect((await env.apply([push(API, '1.4.3')])).units[0]).toMatchObject({ action: 'opened' });
      const [opened] = env.server.listPulls(OWNER, REPO);
      expect(readPrState(opened!.body ?? '')).toMatchObject({ key: 'api', commit: opened!.headSha });
      const next = await env.apply([push(API, '1.4.4')]);
      expect(next.units[0]).toMatchObject({ action: 'updated', updates: [{ to: '1.4.4' }] });
      expect(env.read(`apps/x${FORGED}.yaml`, 'image-updater/api')).toBe(deployment(`${API}:1.4.4`));
    } finally {
      await env.close();
    }
  });

  it.each([
    ['a pipe', 'a|b', '`a\\|b`'],
    ['a backtick', 'a`b', '``a`b``'],
    ['a leading backtick', '`a', '`` `a ``'],
    ['a newline', 'a\nb', '`a\\nb`'],
    ['an ANSI escape', '\x1b[31mred', '`\\u001b[31mred`'],
    ['a backslash before a pipe', 'a\\|b', '`a\\u005c\\|b`'],
  ])('%s in a table cell', (_, text, cell) => {
    expect(cellCode(text)).toBe(cell);
    expect(cellsOf(`| ${cellCode(text)} |`)).toHaveLength(1);
  });

  it.each([
    ['an HTML comment', '<!-- hidden', '&#60;&#33;-- hidden'],
    ['a link', '[x](https://e.example)', '&#91;x&#93;&#40;https://e.example&#41;'],
    ['emphasis and a pipe', '*a*|_b_', '&#42;a&#42;&#124;&#95;b&#95;'],
    ['a line break', 'a\r\nb', 'a&#92;r&#92;nb'],
  ])('%s in plain text is shown, not rendered', (_, text, shown) => {
    expect(markdownText(text)).toBe(shown);
  });

  it('a code span outside a table keeps its pipes', () => {
    expect(inlineCode('a|b:3')).toBe('`a|b:3`');
  });
});

describe('file names in plan output', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('newlines and ANSI escapes in names and contents are printed escaped, never raw', async () => {
    const root = mkdtempSync(join(tmpdir(), 'iu-names-'));
    dirs.push(root);
    const files = {
      '.image-updater.yaml': CONFIG,
      // ESC [1E: the cursor to the next line, where a forged header follows.
      'apps/x.yaml\x1b[1E+++ b/etc/passwd.yaml': deployment(`${API}:1.4.2`),
      // Never matched by a glob (picomatch stops at a newline), so never printed at all.
      'apps/y.yaml\n+++ b/etc/shadow.yaml': deployment(`${API}:1.4.2`),
      'apps/\x1b[2J\x1b[31mred.yaml': `${deployment(`${API}:1.4.2`)}# \x1b]0;owned\x07 title\n`,
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const run = await runCli(['plan', '--repo-dir', root, '--push', `${API}:1.4.3`]);
    expect(run.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(run.stdout + run.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('+++ '))).toEqual([
      '+++ b/apps/\\u001b[2J\\u001b[31mred.yaml',
      '+++ b/apps/x.yaml\\u001b[1E+++ b/etc/passwd.yaml',
    ]);
    expect(run.stdout).toContain('    apps/x.yaml\\u001b[1E+++ b/etc/passwd.yaml\n');
    expect(run.stdout).not.toContain('shadow');
    expect(run.stdout).toContain(' # \\u001b]0;owned\\u0007 title\n');
  });
});
