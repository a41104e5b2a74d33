/** Links from an image's provenance claims: only https addresses we rebuild, only safe revisions. */
import { describe, expect, it } from 'vitest';
import {
  compareUrl,
  commitUrl,
  linkableRevision,
  releaseTags,
  sourceRepo,
} from '../../../../lambdas/core/apply/provenance-links.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const SHA2 = 'fedcba9876543210fedcba9876543210fedcba98';

describe('sourceRepo', () => {
  it.each([
    ['https://github.com/acme/api', 'github', 'https://github.com/acme/api'],
    ['https://github.com/acme/api.git', 'github', 'https://github.com/acme/api'],
    ['https://www.github.com/acme/api/', 'github', 'https://github.com/acme/api'],
    ['https://github.com/acme/mono/tree/main/services/api', 'github', 'https://github.com/acme/mono'],
    ['https://github.com/acme/api?tab=readme#top', 'github', 'https://github.com/acme/api'],
    ['https://GHE.example.com/acme/api', 'github', 'https://ghe.example.com/acme/api'],
    ['https://gitlab.com/acme/platform/api', 'gitlab', 'https://gitlab.com/acme/platform/api'],
    ['https://gitlab.com/acme/api/-/tree/main', 'gitlab', 'https://gitlab.com/acme/api'],
    ['https://gitlab.example.org/acme/api.git', 'gitlab', 'https://gitlab.example.org/acme/api'],
    ['https://git.example.org/acme/api', 'other', 'https://git.example.org/acme/api'],
    ['https://codeberg.org/acme', 'other', 'https://codeberg.org/acme'],
  ])('%s is a %s repository at %s', (claim, kind, url) => {
    expect(sourceRepo(claim, 'ghe.example.com')).toMatchObject({ kind, url });
  });

  it.each([
    ['javascript:alert(1)'],
    ['JAVASCRIPT:alert(1)//https://github.com/a/b'],
    ['data:text/html,<script>alert(1)</script>'],
    ['http://github.com/acme/api'],
    ['git@github.com:acme/api.git'],
    ['git+https://github.com/acme/api'],
    ['https://user:secret@github.com/acme/api'],
    ['https://github.com/acme'],
    ['https://github.com/acme/a%20b'],
    ['https://github.com/acme/<script>'],
    ['https://github.com/acme/api)](https://evil.example'],
    ['https://gitlab.com/acme'],
    ['github.com/acme/api'],
    [''],
  ])('%j is not linked', (claim) => {
    expect(sourceRepo(claim)).toBeUndefined();
  });

  it('a GitHub Enterprise host is GitHub only when it is the host the updater talks to', () => {
    expect(sourceRepo('https://ghe.example.com/acme/api')?.kind).toBe('other');
    expect(sourceRepo('https://ghe.example.com/acme/api', 'ghe.example.com')?.kind).toBe('github');
  });
});

describe('compare and commit links', () => {
  const github = sourceRepo('https://github.com/acme/api')!;
  const gitlab = sourceRepo('https://gitlab.com/acme/platform/api')!;
  const other = sourceRepo('https://git.example.org/acme/api')!;

  it('GitHub and GitLab compare views, old...new', () => {
    expect(compareUrl(github, SHA, SHA2)).toBe(`https://github.com/acme/api/compare/${SHA}...${SHA2}`);
    expect(compareUrl(gitlab, 'v1.4.0', 'v1.5.0')).toBe(
      'https://gitlab.com/acme/platform/api/-/compare/v1.4.0...v1.5.0',
    );
    expect(compareUrl(other, SHA, SHA2)).toBeUndefined();
    expect(commitUrl(github, SHA2)).toBe(`https://github.com/acme/api/commit/${SHA2}`);
    expect(commitUrl(gitlab, SHA2)).toBe(`https://gitlab.com/acme/platform/api/-/commit/${SHA2}`);
    expect(commitUrl(github, 'main')).toBeUndefined();
  });

  it.each([
    ['../../settings'],
    ['a..b'],
    ['x?y=1'],
    ['x#y'],
    ['refs/heads//x'],
    ['main.lock'],
    ['-rf'],
    ['a b'],
    ['x'.repeat(200)],
    ['abc123)'],
  ])('a revision %j goes into no link', (revision) => {
    expect(linkableRevision(revision)).toBeUndefined();
    expect(compareUrl(github, SHA, revision)).toBeUndefined();
  });

  it.each([[SHA], ['abc1234'], ['v1.5.0'], ['release/1.5'], ['1.5.0+build.7']])('%j is linkable', (r) => {
    expect(linkableRevision(r)).toBe(r);
  });
});

describe('releaseTags', () => {
  it.each([
    ['1.5.0', '1.5.0', ['1.5.0', 'v1.5.0']],
    ['v1.5.0', '1.5.0', ['v1.5.0', '1.5.0']],
    [undefined, 'v2.0.0', ['v2.0.0', '2.0.0']],
    ['../x', '2.0.0', ['2.0.0', 'v2.0.0']],
    ['1.5.0', 'latest', ['1.5.0', 'v1.5.0']],
  ])('version %j, tag %j: tries %j (at most 2 requests)', (version, tag, tried) => {
    expect(releaseTags(version, tag)).toEqual(tried);
  });
});
