/**
 * `calver`: the date read through `layout` (so `v2026-9-01` < `v2026-10-03`), then MICRO, then a
 * release above its MODIFIER pre-releases (`2026.02.01-rc1` < `2026.02.01`).
 */
import { calverReader, compareCalver, compileCalverLayout, type CalverVersion } from '../calver-layout.ts';
import { InvalidSelectionPolicyError } from '../errors.ts';
import { skip } from '../skip.ts';
import type { SelectionPolicy } from '../types.ts';
import type { OrderedStrategy } from './types.ts';

export function calverStrategy(policy: Pick<SelectionPolicy, 'layout'>): OrderedStrategy<CalverVersion> {
  if (policy.layout === undefined) throw new InvalidSelectionPolicyError('strategy calver needs a layout');
  const compiled = compileCalverLayout(policy.layout);
  if (!compiled.ok)
    throw new InvalidSelectionPolicyError(`calver layout ${policy.layout}: ${compiled.reason}`);
  const read = calverReader(compiled.layout);
  const notInLayout = skip('not-a-version', `does not follow layout ${policy.layout}`);
  return {
    read: (version) => read(version) ?? notInLayout,
    admit: () => undefined,
    compare: compareCalver,
  };
}
