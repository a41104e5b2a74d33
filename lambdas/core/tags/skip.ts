import type { RejectReason } from './types.ts';

/** Why one check turned a tag away; shared instances, so the hot loop allocates nothing for them. */
export interface Skip {
  readonly skip: RejectReason;
  readonly detail?: string;
}

export function skip(reason: RejectReason, detail?: string): Skip {
  return detail === undefined ? { skip: reason } : { skip: reason, detail };
}

export function isSkip(value: unknown): value is Skip {
  return typeof value === 'object' && value !== null && 'skip' in value;
}
