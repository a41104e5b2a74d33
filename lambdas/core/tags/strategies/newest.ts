/**
 * `newest`: the most recently pushed tag. A tag without a push time can't be ordered and is
 * skipped; two tags of one image share a push time and fall to the common tie-break.
 */
import { skip } from '../skip.ts';
import type { OrderedStrategy } from './types.ts';

export interface PushTimeKey {
  readonly time: number;
}

const NO_PUSH_TIME = skip('no-push-time');

export function newestStrategy(): OrderedStrategy<PushTimeKey> {
  return {
    read(_version, facts) {
      const time = facts.pushedAt?.getTime();
      return time === undefined || Number.isNaN(time) ? NO_PUSH_TIME : { time };
    },
    admit: () => undefined,
    compare: (a, b) => a.time - b.time,
  };
}
