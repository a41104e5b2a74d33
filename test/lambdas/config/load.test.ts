import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/config/load.ts';
import { loadPatternEngine } from '../../../lambdas/core/tags/pattern.ts';

// parseConfig checks tags.pattern with the engine loadConfig loads on demand (patterns.test.ts).
await loadPatternEngine();

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';

function issuesOf(text: string) {
  const result = parseConfig(text);
  if (result.ok) throw new Error('expected the config to be invalid');
  return result.issues;
}

describe('parseConfig: a valid file', () => {
  it('merges defaults, then built-in defaults, into every policy', () => {
    const result = parseConfig(`version: 1
defaults:
  automerge: patch
  labels: [deps]
policies:
  - name: api
    image: ${ECR}
    range: ">=1.4.0 <2.0.0"
  - name: web
    image: ghcr.io/acme/web
    strategy: calver
    layout: YYYY.0M.0D
    automerge: none
    files: ["apps/web/**"]
    group: shop
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [api, web] = result.config.policies;
    expect(api).toMatchObject({
      strategy: 'semver',
      range: '>=1.4.0 <2.0.0',
      automerge: 'patch',
      labels: ['deps'],
      update: 'pull-request',
      mergeStrategy: 'auto',
      mergeMethod: 'squash',
      pin: 'tag',
      files: ['**/*.yaml', '**/*.yml', '**/Kustomization'],
      allowDowngrade: false,
      prerelease: false,
      commitMessage: 'chore(images): update {{policy}} to {{to}}',
    });
    expect(api?.baseBranch).toBeUndefined();
    expect(web).toMatchObject({ automerge: 'none', labels: ['deps'], group: 'shop', files: ['apps/web/**'] });
  });

  it('accepts the full example from SPEC §3', () => {
    const result = parseConfig(`version: 1
defaults:
  baseBranch: main
  update: pull-request
  automerge: none
  mergeStrategy: auto
  mergeMethod: squash
  labels: [image-update]
  reviewers: [alice, acme/platform]
  commitMessage: "chore(images): update {{policy}} to {{to}}"
policies:
  - name: api
    image: ${ECR}
    strategy: semver
    range: ">=1.4.0 <2.0.0"
    prerelease: false
    tags:
      pattern: '^v?(?<version>\\d+\\.\\d+\\.\\d+)$'
      ignore: ["*-debug", latest]
    pin: tag
    files: ["apps/api/overlays/prod/**"]
    group: shop
    allowDowngrade: false
  - name: flux-ns:worker
    image: docker.io/acme/worker
    strategy: digest
    track: main
    pin: tag+digest
`);
    expect(result).toMatchObject({ ok: true });
  });

  it('defaults a digest policy to writing tag+digest', () => {
    const result = parseConfig(
      `version: 1\npolicies:\n  - {name: w, image: acme/w, strategy: digest, track: main}\n`,
    );
    expect(result.ok && result.config.policies[0]?.pin).toBe('tag+digest');
  });
});

describe('parseConfig: errors name the key path, line and column', () => {
  it.each([
    {
      title: 'unknown key is an error, not ignored',
      text: `version: 1\npolicies:\n  - name: api\n    image: ${ECR}\n    colour: blue\n`,
      issue: { path: 'policies[0].colour', message: 'unknown key', line: 5, column: 5 },
    },
    {
      title: 'unknown top-level key',
      text: `version: 1\npolicy: []\npolicies:\n  - {name: a, image: nginx}\n`,
      issue: { path: 'policy', line: 2, column: 1 },
    },
    {
      title: 'wrong version',
      text: `version: 2\npolicies:\n  - {name: a, image: nginx}\n`,
      issue: { path: 'version', line: 1, column: 10 },
    },
    {
      title: 'missing version points at the document',
      text: `policies:\n  - {name: a, image: nginx}\n`,
      issue: { path: 'version', line: 1, column: 1 },
    },
    {
      title: 'bad enum in defaults',
      text: `version: 1\ndefaults:\n  automerge: sometimes\npolicies:\n  - {name: a, image: nginx}\n`,
      issue: { path: 'defaults.automerge', line: 3, column: 14 },
    },
    {
      title: 'range only with semver',
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    strategy: numerical\n    range: ">=1"\n`,
      issue: {
        path: 'policies[0].range',
        message: expect.stringContaining('only to strategy semver'),
        line: 6,
      },
    },
    {
      title: 'invalid semver range',
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    range: "not a range"\n`,
      issue: { path: 'policies[0].range', message: 'not a valid node-semver range', line: 5, column: 12 },
    },
    {
      title: 'track required with digest',
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    strategy: digest\n`,
      issue: { path: 'policies[0].track', message: expect.stringContaining('needs track'), line: 3 },
    },
    {
      title: 'layout required with calver',
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    strategy: calver\n`,
      issue: { path: 'policies[0].layout', message: expect.stringContaining('needs a layout') },
    },
    {
      title: 'calver layout without a year',
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    strategy: calver\n    layout: 0M.0D\n`,
      issue: { path: 'policies[0].layout', message: expect.stringContaining('year'), line: 6, column: 13 },
    },
    {
      title: 'order only with numerical or alphabetical',
      text: `version: 1\npolicies:\n  - {name: a, image: nginx, order: desc}\n`,
      issue: { path: 'policies[0].order', message: expect.stringContaining('numerical or alphabetical') },
    },
    {
      title: 'invalid regular expression',
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    tags:\n      pattern: "^(v"\n`,
      issue: {
        path: 'policies[0].tags.pattern',
        message: expect.stringContaining('invalid regular expression'),
        line: 6,
      },
    },
    ...(
      [
        ['lookahead', '^v(?=\\\\d)', 'lookahead "(?=" at character 3'],
        ['negative lookahead', '^(?!latest)', 'negative lookahead "(?!" at character 2'],
        ['lookbehind', '(?<=v)\\\\d+', 'lookbehind "(?<=" at character 1'],
        ['negative lookbehind', '(?<!x)y', 'negative lookbehind "(?<!" at character 1'],
        ['a backreference', '^(\\\\d)\\\\1$', 'backreference "\\1" at character 6'],
        ['a named backreference', '(?<version>a)\\\\k<version>', 'named backreference'],
        ['an atomic group', '(?>a+)b', 'atomic group'],
      ] as const
    ).map(([what, pattern, detail]) => ({
      title: `${what} (RE2 has none)`,
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    tags:\n      pattern: "${pattern}"\n`,
      issue: {
        path: 'policies[0].tags.pattern',
        message: `not supported by the linear-time engine (RE2 syntax): ${detail}`.startsWith(
          'not supported by the linear-time engine (RE2 syntax): named',
        )
          ? expect.stringContaining(detail)
          : expect.stringContaining(`not supported by the linear-time engine (RE2 syntax): ${detail}`),
        line: 6,
        column: 16,
      },
    })),
    {
      title: 'a JavaScript-only escape RE2 refuses',
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    tags:\n      pattern: '^\\u0076'\n`,
      issue: {
        path: 'policies[0].tags.pattern',
        message: expect.stringContaining('invalid regular expression (RE2 syntax): invalid escape'),
      },
    },
    {
      title: 'named groups without "version"',
      text: `version: 1\npolicies:\n  - name: a\n    image: nginx\n    tags:\n      pattern: "^(?<ver>\\\\d+)$"\n`,
      issue: { path: 'policies[0].tags.pattern', message: expect.stringContaining('none is "version"') },
    },
    {
      title: 'duplicate policy names',
      text: `version: 1\npolicies:\n  - {name: a, image: nginx}\n  - {name: a, image: redis}\n`,
      issue: { path: 'policies[1].name', message: expect.stringContaining('duplicate'), line: 4 },
    },
    {
      title: 'image with a tag',
      text: `version: 1\npolicies:\n  - {name: a, image: "nginx:1.25"}\n`,
      issue: { path: 'policies[0].image', message: expect.stringContaining('without tag') },
    },
    {
      title: 'policy name with upper case',
      text: `version: 1\npolicies:\n  - {name: Api, image: nginx}\n`,
      issue: { path: 'policies[0].name' },
    },
    {
      title: 'glob escaping the repository',
      text: `version: 1\npolicies:\n  - {name: a, image: nginx, files: ["../other/**"]}\n`,
      issue: { path: 'policies[0].files[0]', message: expect.stringContaining('outside the repo') },
    },
    {
      title: 'absolute glob',
      text: `version: 1\npolicies:\n  - {name: a, image: nginx, files: ["/etc/**"]}\n`,
      issue: { path: 'policies[0].files[0]' },
    },
    {
      title: 'unknown commit message token',
      text: `version: 1\ndefaults:\n  commitMessage: "bump {{version}}"\npolicies:\n  - {name: a, image: nginx}\n`,
      issue: { path: 'defaults.commitMessage', message: expect.stringContaining('{{version}}'), line: 3 },
    },
    {
      title: 'a group must share one base branch',
      text: `version: 1\npolicies:\n  - {name: a, image: nginx, group: g}\n  - {name: b, image: redis, group: g, baseBranch: dev}\n`,
      issue: { path: 'policies[1].baseBranch', message: expect.stringContaining('group "g"') },
    },
    {
      title: 'a group and a policy that would share a branch',
      text: `version: 1\npolicies:\n  - {name: shop, image: nginx}\n  - {name: b, image: redis, group: shop}\n`,
      issue: { path: 'policies[1].group', message: expect.stringContaining('image-updater/shop') },
    },
    {
      title: 'a namespace that is also a policy (Git cannot hold x beside x/y)',
      text: `version: 1\npolicies:\n  - {name: ns, image: nginx}\n  - {name: "ns:api", image: redis}\n`,
      issue: { path: 'policies[1].name', message: expect.stringContaining('image-updater/ns/api') },
    },
    ...['x.lock', 'a..b', 'a.'].map((name) => ({
      title: `a name Git refuses as a branch (${name})`,
      text: `version: 1\npolicies:\n  - {name: "${name}", image: nginx}\n`,
      issue: { path: 'policies[0].name', message: expect.stringContaining('branch name') },
    })),
    {
      title: 'a group must share one merge method',
      text: `version: 1\npolicies:\n  - {name: a, image: nginx, group: g, mergeMethod: merge}\n  - {name: b, image: redis, group: g}\n`,
      issue: { path: 'policies[1].mergeMethod', message: expect.stringContaining('group "g"') },
    },
    {
      title: 'no policies',
      text: `version: 1\npolicies: []\n`,
      issue: { path: 'policies', line: 2 },
    },
  ])('$title', ({ text, issue }) => {
    expect(issuesOf(text)).toContainEqual(expect.objectContaining(issue));
  });

  it.each([
    ['a tab-indented mapping', 'version: 1\npolicies:\n\t- name: a\n', 3],
    ['an unclosed flow sequence', 'version: 1\npolicies: [ {name: a, image: x\n', 3],
    ['a duplicate key', 'version: 1\nversion: 1\npolicies: []\n', 2],
  ])('reports a YAML syntax error (%s) with its line', (_title, text, line) => {
    const issues = issuesOf(text);
    expect(issues[0]?.message).toMatch(/^YAML syntax: /);
    expect(issues[0]?.line).toBe(line);
  });

  it.each([
    ['(?<version>…)', '^v(?<version>\\d+\\.\\d+)$'],
    ['(?P<version>…)', '^v(?P<version>\\d+\\.\\d+)$'],
    ['a character class holding "(?="', '^[(?=]*v(?<version>\\d+)$'],
    ['an escaped "\\1"', '^v\\\\1(?<version>\\d+)$'],
  ])('accepts a pattern with %s', (_, pattern) => {
    const result = parseConfig(
      `version: 1\npolicies:\n  - name: a\n    image: nginx\n    tags:\n      pattern: '${pattern}'\n`,
    );
    expect(result).toMatchObject({ ok: true, config: { policies: [{ tags: { pattern } }] } });
  });

  it.each([
    ['10,000 "["', `version: 1\npolicies: ${'['.repeat(10_000)}\n`, 2, 138],
    ['10,000 "{a: "', `version: 1\npolicies: ${'{a: '.repeat(10_000)}\n`, 2, 516],
    ['5,000 "- "', `version: 1\npolicies:\n${'- '.repeat(5000)}x\n`, 3, 254],
    [
      '700 nested mappings',
      `version: 1\npolicies:\n${Array.from({ length: 700 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')}\n`,
      129,
      129,
    ],
  ])('stops a config nested %s deep at the level past the limit', (_, text, line, column) => {
    expect(issuesOf(text)).toEqual([
      { path: '', message: 'YAML nesting deeper than 128 levels', line, column },
    ]);
  });

  it('reads a config nested as deep as the limit allows', () => {
    const deep = `version: 1\npolicies:\n  - {name: a, image: nginx}\nx: ${'['.repeat(100)}${']'.repeat(100)}\n`;
    expect(issuesOf(deep)).toEqual([expect.objectContaining({ path: 'x', message: 'unknown key' })]);
  });

  it('refuses a second YAML document', () => {
    expect(issuesOf('version: 1\npolicies: [{name: a, image: nginx}]\n---\nversion: 1\n')).toEqual([
      { path: '', message: 'the file holds 2 YAML documents; a config is one', line: 3, column: 1 },
    ]);
  });

  it('reports an empty file', () => {
    expect(issuesOf('')[0]?.message).toContain('empty');
    expect(issuesOf('# only a comment\n')[0]?.message).toContain('empty');
  });

  it('refuses an oversized file without parsing it', () => {
    const huge = `version: 1\n# ${'x'.repeat(300 * 1024)}\n`;
    expect(issuesOf(huge)[0]?.message).toContain('larger than');
  });

  it('refuses an alias bomb', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    expect(issuesOf(bomb)[0]?.message).toMatch(/alias/i);
  });
});
