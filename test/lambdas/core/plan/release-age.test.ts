import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { decide, decisionSummary } from '../../../../lambdas/core/plan/decide.ts';
import { formatDuration, parseDuration } from '../../../../lambdas/core/plan/release-age.ts';
import { scanManifest } from '../../../../lambdas/core/manifest/index.ts';
import { classifyUpdate, compareTags } from '../../../../lambdas/core/tags/index.ts';

const IMAGE = 'registry.example/shop/api';
const H = 3_600_000;
const D = 24 * H;
const NOW = new Date('2026-12-07T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function policyWith(age: string, extra = '') {
  const parsed = parseConfig(`version: 1
policies:
  - name: api
    image: ${IMAGE}
    minimumReleaseAge: ${age}
${extra}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config.policies[0]!;
}

function referencesAt(tag: string) {
  const scanned = scanManifest(`image: ${IMAGE}:${tag} # {"$imagepolicy": "api"}\n`, 'a.yaml');
  if (!scanned.ok) throw new Error(scanned.error.message);
  return scanned.references;
}

const perType = policyWith('{ major: 7d, minor: 2d, patch: 4h }');

describe('minimumReleaseAge: durations', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['4h', 4 * H],
    ['7d', 7 * D],
  ])('%s is %i ms and formats back', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(formatDuration(ms)).toBe(text === '90s' ? '90s' : text);
  });
  it.each(['2w', '1.5d', '-1d', 'd', '7 d', ''])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('minimumReleaseAge: the gate in the decision', () => {
  it.each([
    // current, candidate, pushed ago, outcome, due in (ms from NOW) when held
    ['1.0.0', '1.0.1', 3 * H, 'held', 1 * H],
    ['1.0.0', '1.0.1', 4 * H, 'update', undefined],
    ['1.0.0', '1.1.0', 1 * D, 'held', 1 * D],
    ['1.0.0', '1.1.0', 2 * D, 'update', undefined],
    ['1.0.0', '2.0.0', 6 * D, 'held', 1 * D],
    ['1.0.0', '2.0.0', 8 * D, 'update', undefined],
    // a pre-release step names no age in this policy: no gate for it
    ['1.1.0-rc.1', '1.1.0-rc.2', 0, 'update', undefined],
  ] as const)('%s → %s pushed %i ms ago: %s', (current, tag, age, outcome, dueIn) => {
    const policy = tag.includes('-')
      ? policyWith('{ major: 7d, minor: 2d, patch: 4h }', '    prerelease: true')
      : perType;
    const d = decide({
      policy,
      references: referencesAt(current),
      candidates: [{ tag, pushedAt: ago(age) }],
      now: NOW,
    });
    expect(d.outcome).toBe(outcome);
    if (outcome === 'held') {
      expect(d.held?.due?.getTime()).toBe(NOW.getTime() + dueIn!);
      expect(d.reason).toMatch(
        new RegExp(
          `^held: ${tag.replace(/\./g, '\\.')}: pushed at .*Z, minimumReleaseAge \\d+[dh] \\(\\w+\\): due at .*Z$`,
        ),
      );
    } else expect(d.to?.tag).toBe(tag);
  });

  it('holds a candidate whose push time is unknown, and says so', () => {
    const d = decide({
      policy: perType,
      references: referencesAt('1.0.0'),
      candidates: [{ tag: '1.0.1' }],
      now: NOW,
    });
    expect(d.outcome).toBe('held');
    expect(d.held?.due).toBeUndefined();
    expect(d.reason).toBe('held: 1.0.1: push time unknown, minimumReleaseAge 4h (patch) cannot be checked');
  });

  it('holds everything gated when no clock is given (fails closed)', () => {
    const d = decide({
      policy: perType,
      references: referencesAt('1.0.0'),
      candidates: [{ tag: '1.0.1', pushedAt: ago(30 * D) }],
    });
    expect(d.outcome).toBe('held');
  });

  it('applies the newest aged candidate and names the newer held one', () => {
    const d = decide({
      policy: perType,
      references: referencesAt('1.0.0'),
      candidates: [
        { tag: '1.0.1', pushedAt: ago(5 * H) },
        { tag: '1.0.2', pushedAt: ago(1 * H) },
      ],
      now: NOW,
    });
    expect(d.outcome).toBe('update');
    expect(d.to?.tag).toBe('1.0.1');
    expect(d.held?.tag).toBe('1.0.2');
    expect(decisionSummary(d).held).toEqual({ tag: '1.0.2', until: '2026-12-07T15:00:00Z' });
  });

  it('keeps an older held tag due at its own time when a newer tag is pushed', () => {
    const older = { tag: '1.0.1', pushedAt: ago(2 * H) };
    const newer = { tag: '1.0.2', pushedAt: ago(1 * H) };
    const first = decide({
      policy: perType,
      references: referencesAt('1.0.0'),
      candidates: [older],
      now: NOW,
    });
    const both = decide({
      policy: perType,
      references: referencesAt('1.0.0'),
      candidates: [older, newer],
      now: NOW,
    });
    // At 1.0.1's own due time, with both on offer, 1.0.1 is applied and 1.0.2 still waits.
    const later = new Date(first.held!.due!.getTime());
    const atDue = decide({
      policy: perType,
      references: referencesAt('1.0.0'),
      candidates: [older, newer],
      now: later,
    });
    expect(first.held?.due?.toISOString()).toBe('2026-12-07T14:00:00.000Z');
    expect(both.held?.tag).toBe('1.0.2');
    expect(atDue.to?.tag).toBe('1.0.1');
    expect(atDue.held?.due?.toISOString()).toBe('2026-12-07T15:00:00.000Z');
  });

  it('digest strategy: a new digest of the tracked tag is a digest update, held by the digest age', () => {
    const policy = policyWith('{ digest: 4h }', '    strategy: digest\n    track: latest');
    const [a, b] = [`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`];
    const scanned = scanManifest(`image: ${IMAGE}:latest@${a} # {"$imagepolicy": "api"}\n`, 'a.yaml');
    if (!scanned.ok) throw new Error(scanned.error.message);
    const at = (ageMs: number) =>
      decide({
        policy,
        references: scanned.references,
        candidates: [{ tag: 'latest', digest: b, pushedAt: ago(ageMs) }],
        now: NOW,
      });
    expect(at(1 * H)).toMatchObject({
      outcome: 'held',
      held: { tag: 'latest', digest: b, updateType: 'digest' },
    });
    expect(at(1 * H).held?.due?.getTime()).toBe(NOW.getTime() + 3 * H);
    expect(at(4 * H)).toMatchObject({ outcome: 'update', to: { tag: 'latest', digest: b } });
  });

  it('an open PR proposal is not held again', () => {
    const d = decide({
      policy: perType,
      references: referencesAt('1.0.0'),
      candidates: [{ tag: '1.0.1' }],
      ageGate: false,
    });
    expect(d.outcome).toBe('update');
  });

  const version = fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map(([a, b, c]) => `${a}.${b}.${c}`);
  const PER_TYPE = { major: 7 * D, minor: 2 * D, patch: 4 * H } as Record<string, number>;
  const ALL = 2 * D;
  const UNIFORM = { major: ALL, minor: ALL, patch: ALL, prerelease: ALL, digest: ALL, other: ALL } as Record<
    string,
    number
  >;

  it.each([
    ['per update type', perType, PER_TYPE],
    ['one age for all', policyWith('2d'), UNIFORM],
  ] as const)(
    '%s: applies exactly the greatest candidate whose age reaches its update type; holds until pushedAt + age',
    (_, policy, AGES) => {
      fc.assert(
        fc.property(
          version,
          fc.uniqueArray(fc.record({ tag: version, ageMs: fc.nat(9 * D) }), {
            maxLength: 6,
            selector: (c) => c.tag,
          }),
          (current, offered) => {
            const candidates = offered.map((c) => ({ tag: c.tag, pushedAt: ago(c.ageMs) }));
            const d = decide({ policy, references: referencesAt(current), candidates, now: NOW });
            const above = offered.filter((c) => compareTags(policy, c.tag, current)! > 0);
            const need = (tag: string) => AGES[classifyUpdate(policy, current, tag)] ?? 0;
            const aged = above.filter((c) => c.ageMs >= need(c.tag));
            const greatest = (list: typeof offered) =>
              [...list].sort((a, b) => compareTags(policy, b.tag, a.tag)!)[0];
            expect(d.to?.tag).toBe(greatest(aged)?.tag);
            const young = above.filter(
              (c) => c.ageMs < need(c.tag) && (!d.to || compareTags(policy, c.tag, d.to.tag)! > 0),
            );
            const held = greatest(young);
            expect(d.held?.tag).toBe(held?.tag);
            if (held) expect(d.held!.due!.getTime()).toBe(ago(held.ageMs).getTime() + need(held.tag));
            expect(d.outcome === 'held').toBe(!d.to && held !== undefined);
          },
        ),
      );
    },
  );
});
