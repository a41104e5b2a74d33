import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/config/load.ts';
import { formatConfigIssue } from '../../../lambdas/core/config.ts';
import { loadPatternEngine } from '../../../lambdas/core/tags/pattern.ts';

await loadPatternEngine();

const API = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';

/** A config with a dev policy following the registry, then the given policies. */
function config(rest: string): string {
  return `version: 1
policies:
  - name: api-dev
    image: ${API}
    strategy: semver
    prerelease: true
    tags:
      pattern: '^v?(?<version>\\d+\\.\\d+\\.\\d+(?:-.+)?)$'
    files: ["dev/**"]
${rest}`;
}

function issues(text: string): string[] {
  const result = parseConfig(text);
  if (result.ok) throw new Error('expected the config to be invalid');
  return result.issues.map((i) => formatConfigIssue('.image-updater.yaml', i));
}

describe('promote: a valid config', () => {
  it('resolves a chain and a fan-out, each ordering tags as the first policy of its chain', () => {
    const result = parseConfig(
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev }
    files: ["staging/**"]
    automerge: patch
  - name: api-prod-eu
    image: ${API}
    promote: { from: api-staging }
    files: ["prod-eu/**"]
    pin: tag+digest
  - name: api-prod-us
    image: ${API}
    promote: { from: api-staging }
    files: ["prod-us/**"]
    reviewers: [acme/platform]
`),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const [dev, staging, eu, us] = result.config.policies;
    expect(dev?.promote).toBeUndefined();
    for (const p of [staging, eu, us]) {
      // Ordered as api-dev orders (its pattern's version group), filtering nothing out.
      expect(p).toMatchObject({
        strategy: 'semver',
        range: '*',
        prerelease: true,
        tags: { pattern: dev?.tags.pattern, ignore: [] },
      });
    }
    expect(staging).toMatchObject({ promote: { from: 'api-dev' }, automerge: 'patch', pin: 'tag' });
    expect(eu).toMatchObject({ promote: { from: 'api-staging' }, pin: 'tag+digest' });
    expect(us).toMatchObject({ promote: { from: 'api-staging' }, reviewers: ['acme/platform'] });
  });

  it('accepts the same image under another spelling (docker.io defaults) and another base branch', () => {
    const result = parseConfig(`version: 1
policies:
  - name: dev
    image: nginx
    files: ["dev/**"]
  - name: prod
    image: docker.io/library/nginx
    promote: { from: dev }
    baseBranch: production
    files: ["prod/**"]
`);
    expect(result.ok).toBe(true);
  });

  it('defaults pin to tag+digest when the chain follows a digest', () => {
    const result = parseConfig(`version: 1
policies:
  - name: dev
    image: ghcr.io/acme/web
    strategy: digest
    track: main
    files: ["dev/**"]
  - name: prod
    image: ghcr.io/acme/web
    promote: { from: dev }
    files: ["prod/**"]
`);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.policies[1]).toMatchObject({ strategy: 'digest', track: 'main', pin: 'tag+digest' });
  });
});

describe('promote: after, a soak time', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['90d', 7_776_000_000],
    ['0s', undefined],
  ])('after: %s is %s ms', (after, ms) => {
    const result = parseConfig(
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, after: ${after} }
`),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.policies[1]?.promote).toEqual({ from: 'api-dev', ...(ms ? { after: ms } : {}) });
  });
});

describe('promote: when', () => {
  it.each([
    ['{ from: api-dev }', { from: 'api-dev' }],
    ['{ from: api-dev, when: merged }', { from: 'api-dev' }],
    [
      '{ from: api-dev, when: healthy, application: shop-api-dev }',
      { from: 'api-dev', when: 'healthy', application: 'shop-api-dev' },
    ],
    [
      '{ from: api-dev, when: healthy, application: flux-system/api-dev, after: 1h }',
      { from: 'api-dev', when: 'healthy', application: 'flux-system/api-dev', after: 3_600_000 },
    ],
  ])('promote: %s', (promote, resolved) => {
    const result = parseConfig(
      config(`  - name: api-staging
    image: ${API}
    promote: ${promote}
`),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.policies[1]?.promote).toEqual(resolved);
  });
});

describe('promote: config errors, with line and column', () => {
  it.each([
    [
      'an unknown source',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-qa }
`),
      [
        '.image-updater.yaml:12:22: policies[1].promote.from: unknown policy "api-qa"; promote.from names another policy of this file (api-dev)',
      ],
    ],
    [
      'itself',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-staging }
`),
      ['.image-updater.yaml:12:22: policies[1].promote.from: a policy cannot promote from itself'],
    ],
    [
      'a cycle of two',
      config(`  - name: a
    image: ${API}
    promote: { from: b }
  - name: b
    image: ${API}
    promote: { from: a }
`),
      [
        '.image-updater.yaml:12:22: policies[1].promote.from: promotion cycle: a → b → a',
        '.image-updater.yaml:15:22: policies[2].promote.from: promotion cycle: b → a → b',
      ],
    ],
    [
      'a source with another image',
      config(`  - name: web-prod
    image: ghcr.io/acme/web
    promote: { from: api-dev }
`),
      [
        `.image-updater.yaml:12:22: policies[1].promote.from: "api-dev" follows ${API}, not ghcr.io/acme/web: a promotion moves one image between environments`,
      ],
    ],
    [
      'a strategy and a range beside promote',
      config(`  - name: api-staging
    image: ${API}
    strategy: semver
    range: "~1.4"
    promote: { from: api-dev }
`),
      [
        '.image-updater.yaml:12:15: policies[1].strategy: "strategy" does not apply beside promote: the policy proposes what "api-dev" runs, and orders tags as the first policy of its chain',
        '.image-updater.yaml:13:12: policies[1].range: "range" does not apply beside promote: the policy proposes what "api-dev" runs, and orders tags as the first policy of its chain',
      ],
    ],
    [
      'minimumReleaseAge beside promote (its source passed its own)',
      config(`  - name: api-staging
    image: ${API}
    minimumReleaseAge: 2d
    promote: { from: api-dev }
`),
      [
        '.image-updater.yaml:12:24: policies[1].minimumReleaseAge: "minimumReleaseAge" does not apply beside promote: what "api-dev" runs already passed its own age; a promotion follows it when it lands',
      ],
    ],
    [
      'tag filters beside promote',
      config(`  - name: api-staging
    image: ${API}
    tags: { ignore: ["*-rc*"] }
    promote: { from: api-dev }
`),
      [
        '.image-updater.yaml:12:11: policies[1].tags: "tags" does not apply beside promote: the policy proposes what "api-dev" runs, and orders tags as the first policy of its chain',
      ],
    ],
    [
      'one group with its source',
      config(`  - name: api-staging
    image: ${API}
    group: api
    promote: { from: api-dev }
`).replace('    files: ["dev/**"]\n', '    files: ["dev/**"]\n    group: api\n'),
      [
        '.image-updater.yaml:13:12: policies[1].group: "api-staging" and "api-dev", which it promotes from, cannot share group "api": one pull request would update both environments at once',
      ],
    ],
    [
      'an unknown key in promote',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, soak: 2h }
`),
      ['.image-updater.yaml:12:31: policies[1].promote.soak: unknown key'],
    ],
    [
      'when: healthy without an application',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, when: healthy }
`),
      [
        '.image-updater.yaml:12:37: policies[1].promote.when: when: healthy needs "application": the source environment as its health reports name it (the Argo CD Application, or the Flux Kustomization or HelmRelease as namespace/name)',
      ],
    ],
    [
      'an application without when: healthy',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, application: shop-api-dev }
`),
      [
        '.image-updater.yaml:12:44: policies[1].promote.application: application applies only with when: healthy',
      ],
    ],
    [
      'an unknown when',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, when: deployed }
`),
      ['.image-updater.yaml:12:37: policies[1].promote.when: merged (the default) or healthy'],
    ],
    [
      'an application that is no name',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, when: healthy, application: "a/b/c" }
`),
      [
        '.image-updater.yaml:12:59: policies[1].promote.application: an Argo CD application name, or a Flux namespace/name',
      ],
    ],
    [
      'after: not a duration',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, after: 2w }
`),
      [
        '.image-updater.yaml:12:38: policies[1].promote.after: a duration: a whole number and s, m, h or d, e.g. 90s, 30m, 4h, 7d',
      ],
    ],
    [
      'after: longer than 90 days',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, after: 91d }
`),
      ['.image-updater.yaml:12:38: policies[1].promote.after: at most 90d'],
    ],
    [
      'after: a number, not a string',
      config(`  - name: api-staging
    image: ${API}
    promote: { from: api-dev, after: 7200 }
`),
      [
        '.image-updater.yaml:12:38: policies[1].promote.after: a duration: a whole number and s, m, h or d, e.g. 90s, 30m, 4h, 7d',
      ],
    ],
  ])('%s', (_what, text, expected) => {
    expect(issues(text)).toEqual(expected);
  });

  it('pin: tag on a promotion of a digest policy', () => {
    expect(
      issues(`version: 1
policies:
  - name: dev
    image: ghcr.io/acme/web
    strategy: digest
    track: main
  - name: prod
    image: ghcr.io/acme/web
    promote: { from: dev }
    pin: tag
`),
    ).toEqual([
      '.image-updater.yaml:10:10: policies[1].pin: "dev" follows a digest (strategy digest): pin tag would drop it; use pin digest or tag+digest',
    ]);
  });
});

describe('promote: long chains are checked in linear time', () => {
  const N = 2_000;
  const chain = (cycle: boolean) =>
    [
      'version: 1',
      'policies:',
      `  - {name: p0, image: ghcr.io/a/b, files: ["e0/**"]${cycle ? `, promote: {from: p${N - 1}}` : ''}}`,
      ...Array.from(
        { length: N - 1 },
        (_, i) =>
          `  - {name: p${i + 1}, image: ghcr.io/a/b, files: ["e${i + 1}/**"], promote: {from: p${i}}}`,
      ),
      '',
    ].join('\n');

  it(`a chain of ${N} policies: each orders tags as the first`, () => {
    const result = parseConfig(chain(false));
    if (!result.ok) throw new Error(JSON.stringify(result.issues.slice(0, 3)));
    expect(result.config.policies.at(-1)).toMatchObject({
      strategy: 'semver',
      promote: { from: `p${N - 2}` },
    });
  });

  it(`a cycle of ${N} policies: an error at each, naming the whole cycle`, () => {
    const result = parseConfig(chain(true));
    if (result.ok) throw new Error('expected the cycle to be reported');
    expect(result.issues).toHaveLength(N);
    expect(result.issues[0]?.message).toBe(
      'promotion cycle: p0 → p1999 → p1998 → p1997 → … 1995 more … → p1 → p0',
    );
  });
});
