/** `minimumReleaseAge`: a duration (`90s`, `30m`, `4h`, `7d`), or one per update type. */
import * as z from 'zod';
import { DURATION, MAX_RELEASE_AGE_MS, parseDuration } from '../core/plan/release-age.ts';

const DURATION_HINT = 'a duration: a whole number and s, m, h or d, e.g. 90s, 30m, 4h, 7d';

/** One duration, bounded like `minimumReleaseAge` (also `promote.after`). */
export const duration = z
  .string({ error: DURATION_HINT })
  .regex(DURATION, DURATION_HINT)
  .refine((text) => (parseDuration(text) ?? 0) <= MAX_RELEASE_AGE_MS, 'at most 90d');

export function releaseAge<K extends string>(keys: readonly K[]) {
  const perType = z.strictObject(
    Object.fromEntries(keys.map((k) => [k, duration.optional()])) as Record<
      K,
      z.ZodOptional<typeof duration>
    >,
  );
  return z
    .union([duration, perType], {
      error:
        'a duration such as 2d, or a map of durations by update type: { major: 7d, minor: 2d, patch: 4h }',
    })
    .describe(
      `How long after the registry's push a tag may be applied: one duration for every update, or one per update type (${keys.join(', ')}); a type not named has no minimum.`,
    );
}
