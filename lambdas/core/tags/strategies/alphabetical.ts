/**
 * `alphabetical`: plain code-point order, for zero-padded dates and timestamps. Tags are ASCII
 * (OCI grammar), so UTF-16 comparison is code-point comparison.
 */
import type { SelectionPolicy } from '../types.ts';
import type { OrderedStrategy } from './types.ts';

export interface TextKey {
  readonly text: string;
}

export function alphabeticalStrategy(policy: Pick<SelectionPolicy, 'order'>): OrderedStrategy<TextKey> {
  const sign = policy.order === 'desc' ? -1 : 1;
  return {
    read: (version) => ({ text: version }),
    admit: () => undefined,
    compare: (a, b) => (a.text === b.text ? 0 : a.text < b.text ? -sign : sign),
  };
}
