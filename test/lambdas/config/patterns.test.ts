/**
 * The pattern engine loads on demand: `loadConfig` loads it when a policy has a pattern, so a
 * caller never has to. Its own file: once loaded, the engine stays loaded for the process.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../lambdas/config/load.ts';
import { PatternEngineNotLoadedError } from '../../../lambdas/core/tags/errors.ts';
import { selectTag } from '../../../lambdas/core/tags/index.ts';

const WITH_PATTERN = `version: 1
policies:
  - name: api
    image: ghcr.io/acme/api
    tags:
      pattern: '^v(?P<version>\\d+\\.\\d+\\.\\d+)-alpine$'
`;

describe('loadConfig', () => {
  it('reads a config without a pattern, and the sync parser needs nothing loaded for it', async () => {
    const text = 'version: 1\npolicies:\n  - {name: a, image: nginx}\n';
    expect(parseConfig(text)).toMatchObject({ ok: true });
    expect(await loadConfig(text)).toMatchObject({ ok: true });
  });

  it('reads simple ignore globs without the engine; a glob with two stars needs it', () => {
    const text = (glob: string) =>
      `version: 1\npolicies:\n  - name: a\n    image: nginx\n    tags:\n      ignore: ['sha-*', '${glob}']\n`;
    expect(parseConfig(text('*-debug'))).toMatchObject({ ok: true });
    expect(() => parseConfig(text('*-rc*'))).toThrow(PatternEngineNotLoadedError);
  });

  it('loads the engine a pattern needs, and selection then reads versions through it', async () => {
    expect(() => parseConfig(WITH_PATTERN)).toThrow(PatternEngineNotLoadedError);
    const loaded = await loadConfig(WITH_PATTERN);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const policy = loaded.config.policies[0]!;
    const tags = ['v1.2.3-alpine', 'v1.10.0-alpine', 'v2.0.0', '1.9.0-alpine'].map((tag) => ({ tag }));
    expect(selectTag(policy, tags, { current: 'v1.2.3-alpine' }).chosen?.tag).toBe('v1.10.0-alpine');
  });

  it('loads the engine an ignore glob with two stars needs, and selection then ignores through it', async () => {
    const loaded = await loadConfig(
      "version: 1\npolicies:\n  - name: a\n    image: nginx\n    strategy: alphabetical\n    tags:\n      ignore: ['*-rc*']\n",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const tags = ['1.0.0', '2.0.0-rc1', '1.5.0-rc'].map((tag) => ({ tag }));
    expect(selectTag(loaded.config.policies[0]!, tags).chosen?.tag).toBe('1.0.0');
  });

  it.each([
    [
      '+(a|aa)',
      'extglob "+(…)" at character 1 is not supported; list the alternatives in braces, e.g. {a,b}',
    ],
    [
      'a(?!x)b*c*',
      'becomes a regular expression with a negative lookahead "(?!", which the linear-time engine (RE2) cannot run',
    ],
  ])('reports the ignore glob %s with its line and column: %s', async (glob, message) => {
    const text = `version: 1\npolicies:\n  - name: a\n    image: nginx\n    tags:\n      ignore: ['*-debug', '${glob}']\n`;
    expect(await loadConfig(text)).toEqual({
      ok: false,
      issues: [{ path: 'policies[0].tags.ignore[1]', message, line: 6, column: 27 }],
    });
  });

  it('reports lookahead with the line and column of the pattern', async () => {
    const text = WITH_PATTERN.replace("'^v(?P<version>", "'^v(?=1)(?P<version>");
    expect(await loadConfig(text)).toEqual({
      ok: false,
      issues: [
        {
          path: 'policies[0].tags.pattern',
          message: 'not supported by the linear-time engine (RE2 syntax): lookahead "(?=" at character 3',
          line: 6,
          column: 16,
        },
      ],
    });
  });
});
