import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import type { Config } from '../../../../lambdas/core/config.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const API = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function config(text: string): Config {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const deployment = (ref: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ${ref}
`;

const chain = config(`version: 1
policies:
  - name: api-dev
    image: ${API}
    prerelease: true
    files: ["dev/**"]
  - name: api-staging
    image: ${API}
    promote: { from: api-dev }
    files: ["staging/**"]
    automerge: minor
  - name: api-prod
    image: ${API}
    promote: { from: api-staging }
    files: ["prod/**"]
`);

const policy = (name: string) => chain.policies.find((p) => p.name === name)!;

async function promote(files: Record<string, string>, name = 'api-staging', extra = {}) {
  const plan = await planUpdates({
    config: chain,
    repo: new MemoryRepo(files),
    policies: [policy(name)],
    ...extra,
  });
  return { plan, decision: plan.decisions[0]! };
}

describe('a promote policy', () => {
  it.each([
    {
      what: 'takes the tag its source runs',
      dev: `${API}:1.5.0`,
      staging: `${API}:1.4.0`,
      outcome: 'update',
      to: { tag: '1.5.0' },
      written: `${API}:1.5.0`,
    },
    {
      what: 'takes the digest with the tag where its reference carries one',
      dev: `${API}:1.5.0@${D2}`,
      staging: `${API}:1.4.0@${D1}`,
      outcome: 'update',
      to: { tag: '1.5.0', digest: D2 },
      written: `${API}:1.5.0@${D2}`,
    },
    {
      what: 'follows a re-pushed tag only once its source runs the new digest (update type digest)',
      dev: `${API}:1.5.0@${D2}`,
      staging: `${API}:1.5.0@${D1}`,
      outcome: 'update',
      to: { tag: '1.5.0', digest: D2 },
      written: `${API}:1.5.0@${D2}`,
    },
    {
      what: 'is up to date when it runs what its source runs',
      dev: `${API}:1.5.0@${D1}`,
      staging: `${API}:1.5.0@${D1}`,
      outcome: 'up-to-date',
    },
    {
      what: 'never goes below its own base branch (the floor), whatever the source runs',
      dev: `${API}:1.3.0`,
      staging: `${API}:1.4.0`,
      outcome: 'up-to-date',
    },
  ])('$what', async ({ dev, staging, outcome, to, written }) => {
    const { plan, decision } = await promote({
      'dev/a.yaml': deployment(dev),
      'staging/a.yaml': deployment(staging),
    });
    expect(decision.outcome).toBe(outcome);
    expect(decision.reason).toMatch(/^follows "api-dev" on /);
    if (dev === staging) expect(decision.reason).toMatch(/: already runs it$/);
    if (to) {
      expect(decision.to).toEqual(to);
      expect(decision.promotion).toMatchObject({ from: 'api-dev', target: to, at: 'dev/a.yaml:10' });
      const after = plan.units[0]?.files[0]?.after;
      expect(after).toContain(`image: ${written}\n`);
      expect(plan.units[0]?.updates[0]?.promotion?.from).toBe('api-dev');
    } else expect(plan.units).toEqual([]);
  });

  it('says the update type from the tags, so automerge applies as usual', async () => {
    const { plan } = await promote({
      'dev/a.yaml': deployment(`${API}:1.5.0`),
      'staging/a.yaml': deployment(`${API}:1.4.3`),
    });
    expect(plan.units[0]).toMatchObject({ updateType: 'minor', automerge: true });
  });

  it('holds while its source references disagree, naming them', async () => {
    const { decision, plan } = await promote({
      'dev/a.yaml': deployment(`${API}:1.5.0`),
      'dev/b.yaml': deployment(`${API}:1.6.0`),
      'staging/a.yaml': deployment(`${API}:1.4.0`),
    });
    expect(decision.outcome).toBe('no-candidate');
    expect(decision.reason).toBe(
      'the references of "api-dev" on the default branch disagree: 1.5.0 (dev/a.yaml:10), 1.6.0 (dev/b.yaml:10); promoted once they agree',
    );
    expect(plan.units).toEqual([]);
  });

  it('holds when its source has no reference', async () => {
    const { decision } = await promote({ 'staging/a.yaml': deployment(`${API}:1.4.0`) });
    expect(decision.outcome).toBe('no-candidate');
    expect(decision.reason).toContain(`no reference to ${API} in the files of "api-dev"`);
  });

  it('promotes along a chain one link at a time: prod follows what staging runs, not dev', async () => {
    const files = {
      'dev/a.yaml': deployment(`${API}:1.6.0`),
      'staging/a.yaml': deployment(`${API}:1.5.0`),
      'prod/a.yaml': deployment(`${API}:1.4.0`),
    };
    const { decision } = await promote(files, 'api-prod');
    expect(decision.to).toEqual({ tag: '1.5.0' });
  });

  it('is never moved by a registry push, while its source is', async () => {
    const plan = await planUpdates({
      config: chain,
      repo: new MemoryRepo({
        'dev/a.yaml': deployment(`${API}:1.4.0`),
        'staging/a.yaml': deployment(`${API}:1.3.0`),
      }),
      pushes: [{ image: API, tag: '1.5.0', digest: D2 }],
    });
    expect(plan.decisions.map((d) => d.policy.name)).toEqual(['api-dev']);
  });

  it('follows its source back after a rollback: an open PR does not hold a version the source left', async () => {
    const { decision } = await promote(
      { 'dev/a.yaml': deployment(`${API}:1.5.0`), 'staging/a.yaml': deployment(`${API}:1.4.0`) },
      'api-staging',
      { proposed: new Map([['api-staging', { tag: '1.6.0' }]]) },
    );
    expect(decision).toMatchObject({ outcome: 'update', to: { tag: '1.5.0' } });
  });

  it('reads a source on another base branch through filesOn', async () => {
    const split = config(`version: 1
policies:
  - name: dev
    image: ${API}
    baseBranch: develop
    files: ["dev/**"]
  - name: prod
    image: ${API}
    promote: { from: dev }
    files: ["prod/**"]
`);
    const develop = new MemoryRepo({ 'dev/a.yaml': deployment(`${API}:2.0.0`) });
    const plan = await planUpdates({
      config: split,
      repo: new MemoryRepo({ 'prod/a.yaml': deployment(`${API}:1.0.0`) }),
      policies: [split.policies[1]!],
      promotion: {
        defaultBranch: 'main',
        filesOn: async (base) => (base === 'develop' ? develop : new MemoryRepo({})),
      },
    });
    expect(plan.decisions[0]).toMatchObject({
      outcome: 'update',
      to: { tag: '2.0.0' },
      promotion: { from: 'dev', baseBranch: 'develop' },
    });
  });
});

describe('a promotion never proposes what its source does not run', () => {
  const version = fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map(([a, b, c]) => `${a}.${b}.${c}`);
  const digest = fc.option(fc.constantFrom(D1, D2), { nil: undefined });
  const ref = fc.tuple(version, digest).map(([v, d]) => `${API}:${v}${d ? `@${d}` : ''}`);

  it('whatever the source and the promotion hold (one or more source files)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ref, { minLength: 1, maxLength: 3 }), ref, async (sources, staging) => {
        const files: Record<string, string> = { 'staging/a.yaml': deployment(staging) };
        sources.forEach((s, i) => (files[`dev/${i}.yaml`] = deployment(s)));
        const { decision, plan } = await promote(files);
        const proposed = plan.units.flatMap((u) => u.updates.map((x) => x.to));
        for (const to of [...proposed, ...(decision.to ? [decision.to] : [])]) {
          // The tag (and digest, when it has one) is one some source file holds.
          expect(
            sources.some(
              (s) =>
                s === `${API}:${to.tag}${to.digest ? `@${to.digest}` : ''}` ||
                (to.digest === undefined && s.startsWith(`${API}:${to.tag}`)),
            ),
          ).toBe(true);
        }
        if (new Set(sources).size > 1 && new Set(sources.map((s) => s.split('@')[0])).size > 1)
          expect(proposed).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('promote.after: a soak time on the source', () => {
  const soaking = config(`version: 1
policies:
  - name: api-dev
    image: ${API}
    prerelease: true
    files: ["dev/**"]
  - name: api-staging
    image: ${API}
    promote: { from: api-dev, after: 2h }
    files: ["staging/**"]
`);
  const staging = soaking.policies[1]!;
  const merged = new Date('2026-12-07T01:00:00Z');
  const landed = () => ({ pull: 12, commit: 'a'.repeat(40), at: merged });
  const files = {
    'dev/api.yaml': deployment(`${API}:1.5.0`),
    'staging/api.yaml': deployment(`${API}:1.4.0`),
  };
  const decideAt = async (now: Date | undefined, landing: typeof landed | (() => undefined) = landed) =>
    (
      await planUpdates({
        config: soaking,
        repo: new MemoryRepo(files),
        policies: [staging],
        promotion: { landed: landing, defaultBranch: 'main' },
        ...(now ? { now } : {}),
      })
    ).decisions[0]!;

  it.each([
    ['just merged', '2026-12-07T01:00:00Z', 'held'],
    ['a second before due', '2026-12-07T02:59:59Z', 'held'],
    ['exactly due', '2026-12-07T03:00:00Z', 'update'],
    ['long after', '2026-12-09T00:00:00Z', 'update'],
  ])('%s (%s): %s', async (_what, now, outcome) => {
    const d = await decideAt(new Date(now));
    expect(d.outcome).toBe(outcome);
    expect(d.promotion?.soak).toMatchObject({ after: 7_200_000, due: new Date('2026-12-07T03:00:00Z') });
    if (outcome === 'held') {
      expect(d.reason).toBe(
        'held: "api-dev" runs 1.5.0 on main since 2026-12-07T01:00:00Z, soaking until 2026-12-07T03:00:00Z (promote.after 2h)',
      );
      // The wake-up's time, and nothing to write.
      expect(d.held).toMatchObject({ tag: '1.5.0', due: new Date('2026-12-07T03:00:00Z') });
      expect(d.to).toBeUndefined();
    } else expect(d.to).toEqual({ tag: '1.5.0' });
  });

  it('holds a change whose landing time is unknown (no updater PR found), with no wake-up', async () => {
    const d = await decideAt(new Date('2026-12-09T00:00:00Z'), () => undefined);
    expect(d.outcome).toBe('held');
    expect(d.held?.due).toBeUndefined();
    expect(d.reason).toContain('landing time unknown');
  });

  it('holds without a clock (fails closed)', async () => {
    expect((await decideAt(undefined)).outcome).toBe('held');
  });

  it('holds nothing when the promotion already runs what the source runs', async () => {
    const plan = await planUpdates({
      config: soaking,
      repo: new MemoryRepo({ ...files, 'staging/api.yaml': deployment(`${API}:1.5.0`) }),
      policies: [staging],
      promotion: { landed },
      now: merged,
    });
    expect(plan.decisions[0]!.outcome).toBe('up-to-date');
  });
});

describe('promote.after: the landing of a change no updater PR brought', () => {
  const soaking = config(`version: 1
policies:
  - name: api-dev
    image: ${API}
    files: ["dev/**"]
  - name: api-staging
    image: ${API}
    promote: { from: api-dev, after: 30m }
    files: ["staging/**"]
`);
  const committed = new Date('2026-12-07T01:00:00Z');
  async function run(staging: string, now: Date) {
    const asked: string[] = [];
    const plan = await planUpdates({
      config: soaking,
      repo: new MemoryRepo({
        'dev/api.yaml': deployment(`${API}:1.5.0`),
        'staging/api.yaml': deployment(staging),
      }),
      policies: [soaking.policies[1]!],
      now,
      promotion: {
        defaultBranch: 'main',
        lastChange: async (base, file) => {
          asked.push(`${base}:${file}`);
          return { commit: 'c'.repeat(40), at: committed };
        },
      },
    });
    return { decision: plan.decisions[0]!, asked };
  }

  it('is the last commit that changed the file holding the reference: held until then, promoted once due', async () => {
    const early = await run(`${API}:1.4.0`, new Date('2026-12-07T01:10:00Z'));
    expect(early.asked).toEqual(['main:dev/api.yaml']);
    expect(early.decision.outcome).toBe('held');
    expect(early.decision.held?.due).toEqual(new Date('2026-12-07T01:30:00Z'));
    const due = await run(`${API}:1.4.0`, new Date('2026-12-07T01:30:00Z'));
    expect(due.decision.outcome).toBe('update');
    expect(due.decision.promotion?.landing).toEqual({ commit: 'c'.repeat(40), at: committed });
  });

  it('is not asked for when the promotion already runs what the source runs', async () => {
    const { decision, asked } = await run(`${API}:1.5.0`, new Date('2026-12-07T01:10:00Z'));
    expect(decision.outcome).toBe('up-to-date');
    expect(asked).toEqual([]);
  });
});

describe('when: healthy: the source environment reports healthy at a commit containing the change', () => {
  const gated = config(`version: 1
policies:
  - name: api-dev
    image: ${API}
    files: ["dev/**"]
  - name: api-staging
    image: ${API}
    promote: { from: api-dev, when: healthy, application: shop-api-dev }
    files: ["staging/**"]
`);
  const LANDED = 'a'.repeat(40);
  const OLDER = 'b'.repeat(40);
  const LATER = 'c'.repeat(40);
  const at = new Date('2026-12-07T02:00:00Z');
  // History: OLDER → LANDED → LATER.
  const descendants: Record<string, readonly string[]> = { [OLDER]: [LANDED, LATER], [LANDED]: [LATER] };
  const report = (revision: string, healthy = true, application = 'shop-api-dev') => ({
    application,
    revision,
    healthy,
    at,
    source: 'argocd' as const,
  });
  async function decideWith(
    reports: ReturnType<typeof report>[],
    landing: { commit?: string } = { commit: LANDED },
  ) {
    const compared: string[] = [];
    const plan = await planUpdates({
      config: gated,
      repo: new MemoryRepo({
        'dev/api.yaml': deployment(`${API}:1.5.0`),
        'staging/api.yaml': deployment(`${API}:1.4.0`),
      }),
      policies: [gated.policies[1]!],
      now: at,
      promotion: {
        defaultBranch: 'main',
        landed: () => ({ pull: 12, ...landing, at }),
        health: new Map(reports.map((r) => [r.application, r])),
        contains: async (base, head) => {
          compared.push(`${base.slice(0, 1)}...${head.slice(0, 1)}`);
          return base === head || (descendants[base] ?? []).includes(head);
        },
      },
    });
    return { decision: plan.decisions[0]!, compared };
  }
  const waiting = `waiting for shop-api-dev to report healthy at ${LANDED.slice(0, 12)} (which brought 1.5.0 to main) or a later commit`;

  it.each([
    ['no report yet', [], 'held', `held: ${waiting}`, []],
    ['a report of another application', [report(LATER, true, 'shop-api-qa')], 'held', `held: ${waiting}`, []],
    [
      'a healthy report at an older commit',
      [report(OLDER)],
      'held',
      `held: ${waiting}; its last report (argocd, 2026-12-07T02:00:00Z): healthy at ${OLDER.slice(0, 12)}, which does not contain it`,
      ['a...b'],
    ],
    [
      'a degraded report at a later commit',
      [report(LATER, false)],
      'held',
      `held: ${waiting}; its last report (argocd, 2026-12-07T02:00:00Z): not healthy at ${LATER.slice(0, 12)}`,
      [],
    ],
    ['a healthy report at the merged commit (no compare)', [report(LANDED)], 'update', undefined, []],
    ['a healthy report at a later commit', [report(LATER)], 'update', undefined, ['a...c']],
  ])('%s: %s', async (_what, reports, outcome, reason, compared) => {
    const result = await decideWith(reports);
    expect(result.decision.outcome).toBe(outcome);
    if (reason) expect(result.decision.reason).toBe(reason);
    else expect(result.decision.to).toEqual({ tag: '1.5.0' });
    expect(result.compared).toEqual(compared);
    // No wake-up: a report wakes it.
    expect(result.decision.held?.due).toBeUndefined();
  });

  it('holds when the commit that brought the change is unknown', async () => {
    const { decision } = await decideWith([report(LATER)], {});
    expect(decision.outcome).toBe('held');
    expect(decision.reason).toBe(
      'held: waiting for shop-api-dev to report healthy at the commit that brought 1.5.0 to main, which is unknown',
    );
  });

  it('says in the promotion what it waited for', async () => {
    const { decision } = await decideWith([report(LATER)]);
    expect(decision.promotion?.health).toMatchObject({
      done: true,
      commit: LANDED,
      reason: `shop-api-dev reported healthy at ${LATER.slice(0, 12)} (argocd, 2026-12-07T02:00:00Z), which contains ${LANDED.slice(0, 12)}`,
    });
  });
});

describe('minimumReleaseAge of defaults beside promote', () => {
  it('does not hold a promotion: the source applied the age, the promotion has no push time', async () => {
    const withAge = config(`version: 1
defaults:
  minimumReleaseAge: 2d
policies:
  - name: api-dev
    image: ${API}
    files: ["dev/**"]
  - name: api-staging
    image: ${API}
    promote: { from: api-dev }
    files: ["staging/**"]
`);
    const plan = await planUpdates({
      config: withAge,
      repo: new MemoryRepo({
        'dev/api.yaml': deployment(`${API}:1.5.0`),
        'staging/api.yaml': deployment(`${API}:1.4.0`),
      }),
      policies: [withAge.policies[1]!],
      now: new Date('2026-12-07T02:00:00Z'),
    });
    expect(plan.decisions[0]).toMatchObject({ outcome: 'update', to: { tag: '1.5.0' } });
  });
});
