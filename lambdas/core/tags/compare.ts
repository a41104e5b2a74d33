import { isValidTag } from '../image/reference.ts';
import { compilePolicy, type CompiledPolicy } from './compile.ts';
import { isSkip } from './skip.ts';
import type { SelectionPolicy } from './types.ts';

/**
 * The strategy key of a tag: OCI grammar and `tags.pattern` apply, `tags.ignore`, range and
 * pre-release rules don't (a current tag outside the range still orders). Undefined if unreadable.
 */
export function readKey(compiled: CompiledPolicy, tag: string, pushedAt?: Date): unknown {
  if (compiled.strategy === undefined || !isValidTag(tag)) return undefined;
  const version = compiled.filter.versionOf(tag);
  if (isSkip(version)) return undefined;
  const key = compiled.strategy.read(version, { pushedAt });
  return isSkip(key) ? undefined : key;
}

/**
 * -1, 0 or 1 as `a` orders below, equal to or above `b` under the policy (with `order: desc`,
 * "above" is the lesser value). Undefined when either tag can't be ordered: not a version under
 * the strategy, outside the pattern, or a strategy that orders by push time or digest.
 */
export function compareTags(policy: SelectionPolicy, a: string, b: string): number | undefined {
  const compiled = compilePolicy(policy);
  if (compiled.strategy === undefined) return undefined;
  const ka = readKey(compiled, a);
  const kb = readKey(compiled, b);
  if (ka === undefined || kb === undefined) return undefined;
  const order = compiled.strategy.compare(ka, kb);
  return order > 0 ? 1 : order < 0 ? -1 : 0;
}
