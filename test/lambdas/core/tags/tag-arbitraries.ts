import fc from 'fast-check';
import type { TagCandidate } from '../../../../lambdas/core/tags/index.ts';
import { DIGEST_A, DIGEST_B, DIGEST_C } from './policy-fixture.ts';

const small = fc.nat({ max: 12 });

/** Pre-release identifiers as registries see them: rc.1, beta, alpha.10, 0, alpine. */
export const prereleaseArb = fc
  .array(fc.oneof(fc.constantFrom('rc', 'beta', 'alpha', 'alpine', 'pre', 'x-1'), small.map(String)), {
    minLength: 1,
    maxLength: 3,
  })
  .map((ids) => ids.join('.'));

export const semverTagArb = fc
  .tuple(fc.boolean(), small, small, small, fc.option(prereleaseArb, { nil: undefined }))
  .map(([v, major, minor, patch, pre]) => `${v ? 'v' : ''}${major}.${minor}.${patch}${pre ? `-${pre}` : ''}`);

/** What a real tag list holds besides versions, and what an attacker might push. */
const noiseTagArb = fc.oneof(
  fc.constantFrom(
    'latest',
    'main',
    'stable',
    '1',
    '1.2',
    `sha256-${'e'.repeat(64)}`,
    `sha256-${'e'.repeat(64)}.sig`,
    '1.2.3.att',
    '1.2.3-debug',
    '1.2.3\n- evil',
    '../x',
    'ünï',
    '01.2.3',
    '1.2.3+build',
    'a'.repeat(129),
  ),
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,12}$/),
  fc.string({ maxLength: 8 }),
);

export const anyTagArb = fc.oneof(
  { weight: 4, arbitrary: semverTagArb },
  { weight: 1, arbitrary: noiseTagArb },
);

export const calverTagArb = fc
  .tuple(
    fc.integer({ min: 2024, max: 2027 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 28 }),
    fc.option(fc.constantFrom('rc1', 'rc2', 'beta'), { nil: undefined }),
  )
  .map(
    ([y, m, d, mod]) =>
      `${y}.${String(m).padStart(2, '0')}.${String(d).padStart(2, '0')}${mod ? `-${mod}` : ''}`,
  );

const pushedAtArb = fc.option(
  fc.integer({ min: 0, max: 5 }).map((h) => new Date(Date.UTC(2026, 0, 1, h))),
  { nil: undefined },
);
const digestArb = fc.option(fc.constantFrom(DIGEST_A, DIGEST_B, DIGEST_C), { nil: undefined });

export function candidatesArb(tag: fc.Arbitrary<string>): fc.Arbitrary<TagCandidate[]> {
  return fc.array(
    fc.record({ tag, pushedAt: pushedAtArb, digest: digestArb }).map((c) => ({
      tag: c.tag,
      ...(c.pushedAt ? { pushedAt: c.pushedAt } : {}),
      ...(c.digest ? { digest: c.digest } : {}),
    })),
    { maxLength: 25 },
  );
}

/** The same candidates reordered, with some of them repeated: a permutation and a re-delivery. */
export function reshuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items, ...items.filter((_, i) => (seed >> (i % 16)) & 1)];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Candidates and a current tag that is often one of them, as in a repository that is up to date. */
export function listWithCurrentArb(
  tag: fc.Arbitrary<string>,
): fc.Arbitrary<{ list: TagCandidate[]; current: string | undefined }> {
  return candidatesArb(tag).chain((list) =>
    fc.record({
      list: fc.constant(list),
      current: fc.option(list.length > 0 ? fc.oneof(tag, fc.constantFrom(...list.map((c) => c.tag))) : tag, {
        nil: undefined,
      }),
    }),
  );
}
