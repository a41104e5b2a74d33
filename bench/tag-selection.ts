/**
 * SPEC §10: tag selection over 100,000 tags in under 100 ms. Realistic repositories, each in
 * shuffled order, with a digest and a push time per tag as a registry listing yields them:
 * - semver: `1.2.3`, `v1.2.3`, `1.2.3-rc.1` and `sha-…` noise, range `>=3.0.0 <8.0.0`, a current tag;
 * - calver: `YYYY.0M.0D.MICRO` with `-rcN` pre-releases;
 * - numerical: build numbers, with `-debug` builds ignored (`*-debug`) and `pr-…` noise;
 * - alphabetical: `release-YYYYMMDD-<sha>` with `nightly-…` noise.
 * None has a `tags.pattern` or an ignore glob of more than one `*`: those run on RE2, linear in the
 * tag but about ten times slower than the JavaScript engine per tag, so they are measured apart,
 * with their own bars (`checks.ts`):
 * - pattern: `main-<sha>-<timestamp>` through a `version` group (`tags.pattern`, RE2);
 * - globIgnore: the semver repository, pre-releases allowed but `*-rc*` ignored (two stars: RE2).
 * The 20,000-tag figures are at ECR's default per-repository image quota.
 * Each figure is the median of several runs after warm-up. `tags*_ms` is the slowest of the
 * pattern-less strategies in the slowest order. The choice is computed eagerly and the per-tag
 * explanation (`rejected`) on first read, so the explained figure is reported separately.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StandalonePolicySchema } from '../lambdas/config/policy-schema.ts';
import { resolvePolicy } from '../lambdas/config/resolve.ts';
import type { Policy } from '../lambdas/core/config.ts';
import {
  compareTags,
  loadPatternEngine,
  selectTag,
  type SelectOptions,
  type TagCandidate,
} from '../lambdas/core/tags/index.ts';

// The pattern and glob scenarios are checked, then run, by the engine that loads on demand.
await loadPatternEngine();

export interface TagSelectionFigures {
  /**
   * The slowest pattern-less strategy and input order (the adversarial one included): the
   * SPEC §10 figures.
   */
  readonly tags10k_ms: number;
  readonly tags100k_ms: number;
  /** Shuffled input, as a registry listing comes. */
  readonly semver10k_ms: number;
  readonly semver100k_ms: number;
  readonly calver10k_ms: number;
  readonly calver100k_ms: number;
  readonly numerical10k_ms: number;
  readonly numerical100k_ms: number;
  readonly alphabetical10k_ms: number;
  readonly alphabetical100k_ms: number;
  /** Tags in ascending order (oldest first, as OCI `tags/list` and many listings give them). */
  readonly semver100k_ascending_ms: number;
  readonly calver100k_ascending_ms: number;
  readonly numerical100k_ascending_ms: number;
  readonly alphabetical100k_ascending_ms: number;
  /** Newest first, as Docker Hub and GHCR list. */
  readonly semver100k_descending_ms: number;
  readonly calver100k_descending_ms: number;
  readonly numerical100k_descending_ms: number;
  readonly alphabetical100k_descending_ms: number;
  /**
   * The order the quick pass reads worst (it reads from both ends inwards; here every tag it
   * reads beats the ones before, so every one is checked in full). No registry lists this way.
   */
  readonly semver100k_adversarial_ms: number;
  readonly calver100k_adversarial_ms: number;
  readonly numerical100k_adversarial_ms: number;
  readonly alphabetical100k_adversarial_ms: number;
  /** Semver with `rejected` read too: every tag judged and explained, as `select --json` does. */
  readonly semver100k_explained_ms: number;
  /** With a `tags.pattern` (RE2) run on every tag: the slowest order. */
  readonly pattern20k_ms: number;
  readonly pattern100k_ms: number;
  /** With a two-star `tags.ignore` glob (RE2): the slowest order. */
  readonly globIgnore20k_ms: number;
  readonly globIgnore100k_ms: number;
}

interface Scenario {
  readonly policy: Policy;
  readonly tags: (count: number, hex: () => string) => string[];
  readonly options: SelectOptions;
}

const SEMVER = { strategy: 'semver', range: '>=3.0.0 <8.0.0' } as const;

const SCENARIOS = {
  semver: {
    policy: policy(SEMVER),
    tags: (count, hex) =>
      Array.from({ length: count }, (_, i) => {
        if (i % 11 === 0) return `sha-${hex()}`;
        const version = `${i % 10}.${Math.floor(i / 10) % 100}.${Math.floor(i / 1000)}`;
        return `${i % 7 === 0 ? 'v' : ''}${version}${i % 5 === 0 ? `-rc.${i % 4}` : ''}`;
      }),
    options: { current: '3.1.1' },
  },
  calver: {
    policy: policy({ strategy: 'calver', layout: 'YYYY.0M.0D.MICRO-MODIFIER' }),
    tags: (count) =>
      Array.from({ length: count }, (_, i) => {
        const month = String(1 + (Math.floor(i / 30) % 12)).padStart(2, '0');
        const day = String(1 + (Math.floor(i / 360) % 28)).padStart(2, '0');
        const date = `${2000 + (i % 30)}.${month}.${day}.${Math.floor(i / 10_080)}`;
        return i % 6 === 0 ? `${date}-rc${i % 3}` : date;
      }),
    options: { current: '2015.06.14.0' },
  },
  numerical: {
    policy: policy({ strategy: 'numerical', tags: { ignore: ['*-debug'] } }),
    tags: buildNumbers,
    options: { current: '1000' },
  },
  alphabetical: {
    policy: policy({ strategy: 'alphabetical' }),
    tags: (count, hex) =>
      Array.from({ length: count }, (_, i) => {
        const day = new Date(Date.UTC(2000, 0, 1) + Math.floor(i / 3) * 86_400_000);
        const date = day.toISOString().slice(0, 10).replaceAll('-', '');
        return i % 9 === 0 ? `nightly-${hex()}` : `release-${date}-${hex()}`;
      }),
    options: { current: 'release-20050101-0000000' },
  },
} satisfies Record<string, Scenario>;

/** Measured apart: they run on RE2 (see the top of the file). */
const RE2_SCENARIOS = {
  pattern: {
    policy: policy({
      strategy: 'numerical',
      tags: { pattern: '^main-[0-9a-f]{7}-(?<version>\\d+)$', ignore: ['*-debug'] },
    }),
    tags: (count, hex) =>
      Array.from({ length: count }, (_, i) => {
        const stamp = 1_700_000_000 + i * 37;
        if (i % 13 === 0) return `pr-${i % 500}-${hex()}`;
        return i % 17 === 0 ? `main-${hex()}-${stamp}-debug` : `main-${hex()}-${stamp}`;
      }),
    options: { current: 'main-0000000-1700001000' },
  },
  globIgnore: {
    policy: policy({ ...SEMVER, prerelease: true, tags: { ignore: ['*-rc*'] } }),
    tags: SCENARIOS.semver.tags,
    options: SCENARIOS.semver.options,
  },
} satisfies Record<string, Scenario>;

/**
 * Build numbers as CI pushes them: every 17th a debug build (`<n>-debug`, which the policy
 * ignores) and every 13th a pull-request build (`pr-…`, not a number).
 */
function buildNumbers(count: number, hex: () => string): string[] {
  return Array.from({ length: count }, (_, i) => {
    if (i % 13 === 0) return `pr-${i % 500}-${hex()}`;
    return i % 17 === 0 ? `${i}-debug` : String(i);
  });
}

function policy(input: object): Policy {
  return resolvePolicy(StandalonePolicySchema.parse(input));
}

/** A small deterministic generator, so every run measures the same lists. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state;
  };
}

function candidates(scenario: Scenario, count: number): TagCandidate[] {
  const next = lcg(count);
  const hex = () => next().toString(16).padStart(8, '0').slice(0, 7);
  const tags = scenario.tags(count, hex);
  for (let i = tags.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [tags[i], tags[j]] = [tags[j]!, tags[i]!];
  }
  // What a DescribeImages listing gives: a digest and a push time per tag. A JSON round trip
  // gives flat strings, as a parsed page does.
  const listed = tags.map((tag, i) => ({
    tag,
    digest: `sha256:${hex()}${hex()}${i.toString(16).padStart(50, '0')}`,
    pushedAt: 1_767_225_600_000 + i * 60_000,
  }));
  return asParsed(listed);
}

/**
 * What parsing a registry's page gives for these entries, in this order: flat strings, objects
 * laid out in memory in listing order (an order imposed on objects built for another one would
 * measure cache misses no real listing has).
 */
function asParsed(entries: readonly { tag: string; digest?: string; pushedAt?: number | Date }[]) {
  const flat = entries.map((e) => ({ ...e, pushedAt: e.pushedAt === undefined ? undefined : +e.pushedAt }));
  const parsed = JSON.parse(JSON.stringify(flat)) as { tag: string; digest: string; pushedAt: number }[];
  return parsed.map((c) => ({ tag: c.tag, digest: c.digest, pushedAt: new Date(c.pushedAt) }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

type Order = 'shuffled' | 'ascending' | 'descending' | 'adversarial';

interface Run {
  readonly order?: Order;
  readonly explain?: boolean;
}

/** The tags in `order` (orderable tags by policy order, the rest before them), as parsed. */
function ordered(scenario: Scenario, input: TagCandidate[], order: Order): TagCandidate[] {
  if (order === 'shuffled') return input;
  const orderable = (c: TagCandidate) => compareTags(scenario.policy, c.tag, c.tag) !== undefined;
  const sorted = input
    .filter(orderable)
    .sort((a, b) => compareTags(scenario.policy, a.tag, b.tag)! || (a.tag < b.tag ? -1 : 1));
  const rest = input.filter((c) => !orderable(c));
  if (order === 'ascending') return asParsed([...rest, ...sorted]);
  if (order === 'descending') return asParsed([...sorted.reverse(), ...rest]);
  // Read from both ends inwards, the tags come in ascending order: 0, n-1, 1, n-2, …
  const all = [...rest, ...sorted];
  const out = new Array<TagCandidate>(all.length);
  for (let k = 0; k < all.length; k++) out[k & 1 ? all.length - 1 - (k >> 1) : k >> 1] = all[k]!;
  return asParsed(out);
}

function time(scenario: Scenario, count: number, runs: number, run: Run = {}): number {
  const input = ordered(scenario, candidates(scenario, count), run.order ?? 'shuffled');
  const gc = (globalThis as { gc?: () => void }).gc;
  const once = () => {
    const result = selectTag(scenario.policy, input, scenario.options);
    if (result.outcome !== 'chosen') throw new Error(`bench scenario chose nothing: ${result.reason}`);
    if (run.explain && result.rejected.length === 0) throw new Error('bench scenario rejected nothing');
  };
  for (let i = 0; i < 3; i++) once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc?.();
    const start = performance.now();
    once();
    samples.push(performance.now() - start);
  }
  return Math.round(median(samples) * 10) / 10;
}

type Strategy = keyof typeof SCENARIOS;
const STRATEGIES = Object.keys(SCENARIOS) as Strategy[];
const SUFFIX = {
  shuffled: '',
  ascending: '_ascending',
  descending: '_descending',
  adversarial: '_adversarial',
} as const;
const ORDERS = Object.keys(SUFFIX) as Order[];

/** Each strategy in each order, as `<strategy><size><_order>_ms` (no suffix for shuffled). */
function timings<Size extends string, O extends Order>(
  size: Size,
  count: number,
  orders: readonly O[],
  runs: number,
): Record<`${Strategy}${Size}${(typeof SUFFIX)[O]}_ms`, number> {
  const out: Record<string, number> = {};
  for (const order of orders)
    for (const s of STRATEGIES)
      out[`${s}${size}${SUFFIX[order]}_ms`] = time(SCENARIOS[s], count, runs, { order });
  return out as Record<`${Strategy}${Size}${(typeof SUFFIX)[O]}_ms`, number>;
}

/** The slowest order for a scenario. */
function slowest(scenario: Scenario, count: number, runs: number): number {
  return Math.max(...ORDERS.map((order) => time(scenario, count, runs, { order })));
}

async function benchTagSelection(runs = 9): Promise<TagSelectionFigures> {
  const small = timings('10k', 10_000, ['shuffled', 'ascending', 'adversarial'], runs);
  const large = timings('100k', 100_000, ORDERS, runs);
  return {
    tags10k_ms: Math.max(...Object.values<number>(small)),
    tags100k_ms: Math.max(...Object.values<number>(large)),
    semver10k_ms: small.semver10k_ms,
    calver10k_ms: small.calver10k_ms,
    numerical10k_ms: small.numerical10k_ms,
    alphabetical10k_ms: small.alphabetical10k_ms,
    ...large,
    semver100k_explained_ms: time(SCENARIOS.semver, 100_000, runs, { explain: true }),
    pattern20k_ms: slowest(RE2_SCENARIOS.pattern, 20_000, runs),
    pattern100k_ms: slowest(RE2_SCENARIOS.pattern, 100_000, runs),
    globIgnore20k_ms: slowest(RE2_SCENARIOS.globIgnore, 20_000, runs),
    globIgnore100k_ms: slowest(RE2_SCENARIOS.globIgnore, 100_000, runs),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await benchTagSelection();
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(32)} ${value}`);
}

/**
 * The figures from a fresh Node process with `--expose-gc`: what a worker's heap looks like,
 * not the bench's after a 1,000-event simulation, and a collection before every sample.
 */
export function benchTagSelectionInFreshProcess(): TagSelectionFigures {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, '--json'], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as TagSelectionFigures;
}
