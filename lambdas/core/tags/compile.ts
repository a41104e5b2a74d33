/**
 * A policy compiled for selection: regex, globs, range and layout built once and cached per
 * policy object, since a reconcile runs the same policy over every tag of a repository.
 */
import { compileTagFilter, type TagFilter } from './filter.ts';
import { alphabeticalStrategy } from './strategies/alphabetical.ts';
import { calverStrategy } from './strategies/calver.ts';
import { newestStrategy } from './strategies/newest.ts';
import { numericalStrategy } from './strategies/numerical.ts';
import { semverStrategy } from './strategies/semver.ts';
import type { OrderedStrategy } from './strategies/types.ts';
import type { SelectionPolicy } from './types.ts';

export interface CompiledPolicy {
  readonly policy: SelectionPolicy;
  readonly filter: TagFilter;
  /** Undefined for `digest`, which follows one tag instead of ordering tags. */
  readonly strategy: OrderedStrategy | undefined;
}

const cache = new WeakMap<SelectionPolicy, CompiledPolicy>();

export function compilePolicy(policy: SelectionPolicy): CompiledPolicy {
  let compiled = cache.get(policy);
  if (compiled === undefined) {
    compiled = build(policy, false);
    cache.set(policy, compiled);
  }
  return compiled;
}

/** The same policy on node-semver's own parser and range test (no fast path). */
export function compileReferencePolicy(policy: SelectionPolicy): CompiledPolicy {
  return build(policy, true);
}

function build(policy: SelectionPolicy, exact: boolean): CompiledPolicy {
  const filter = compileTagFilter(policy);
  return { policy, filter, strategy: strategyFor(policy, filter, exact) };
}

function strategyFor(
  policy: SelectionPolicy,
  filter: TagFilter,
  exact: boolean,
): OrderedStrategy | undefined {
  switch (policy.strategy) {
    case 'semver':
      return semverStrategy(policy, { padPartial: filter.versionGroup, exact }) as OrderedStrategy;
    case 'numerical':
      return numericalStrategy(policy) as OrderedStrategy;
    case 'alphabetical':
      return alphabeticalStrategy(policy) as OrderedStrategy;
    case 'calver':
      return calverStrategy(policy) as OrderedStrategy;
    case 'newest':
      return newestStrategy() as OrderedStrategy;
    case 'digest':
      return undefined;
  }
}
