/**
 * Tag selection (SPEC §4): which tag a policy moves to, given the registry's tags and the tag
 * the repository is at. Pure and deterministic: the same set of candidates gives the same result
 * whatever their order or duplication.
 */
import { uniqueCandidates } from './candidates.ts';
import { compilePolicy, compileReferencePolicy } from './compile.ts';
import { explainOrdered, findWinner } from './ordered.ts';
import { selectDigest } from './strategies/digest.ts';
import type { SelectionPolicy, SelectionResult, SelectOptions, TagCandidate } from './types.ts';

/**
 * The tag `policy` moves to from `options.current`, among `candidates`. Filters first (OCI grammar,
 * referrer tags, `tags.ignore`, `tags.pattern`), then the strategy reads, admits and orders what is
 * left; the greatest wins if it orders above the current tag (or `allowDowngrade` and it differs).
 * A current tag the policy cannot order (`latest` under semver) is no floor: any allowed tag may
 * replace it, as an `other` update. Nothing to do is an outcome, not an exception.
 *
 * The choice is computed at once; `considered` and `rejected`, which judge every tag, only when
 * first read (the worker rarely needs them; `--json` and the logs of a failed choice do).
 */
export function selectTag(
  policy: SelectionPolicy,
  candidates: readonly TagCandidate[],
  options: SelectOptions = {},
): SelectionResult {
  const compiled = compilePolicy(policy);
  if (compiled.strategy === undefined) return selectDigest(compiled, uniqueCandidates(candidates), options);
  const decision = findWinner(compiled, candidates, options);
  if (decision === undefined) return explainSelection(policy, candidates, options);
  const snapshot = candidates.slice();
  let explained: SelectionResult | undefined;
  const explain = () => (explained ??= explainSelection(policy, snapshot, options));
  return {
    ...decision,
    get considered() {
      return explain().considered;
    },
    get rejected() {
      return explain().rejected;
    },
  };
}

/** `selectTag` with every tag judged up front: the reference the quick choice is tested against. */
export function explainSelection(
  policy: SelectionPolicy,
  candidates: readonly TagCandidate[],
  options: SelectOptions = {},
): SelectionResult {
  const compiled = compilePolicy(policy);
  const entries = uniqueCandidates(candidates);
  if (compiled.strategy === undefined) return selectDigest(compiled, entries, options);
  const { result, confirmed } = explainOrdered(compiled, entries, candidates, options);
  if (confirmed) return result;
  // The fast semver path disagreed with node-semver on the winner: trust node-semver.
  return explainOrdered(compileReferencePolicy(policy), entries, candidates, options).result;
}
