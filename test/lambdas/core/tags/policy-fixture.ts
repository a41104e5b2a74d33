import { StandalonePolicySchema } from '../../../../lambdas/config/policy-schema.ts';
import { resolvePolicy } from '../../../../lambdas/config/resolve.ts';
import type { Policy } from '../../../../lambdas/core/config.ts';
import type { TagCandidate } from '../../../../lambdas/core/tags/index.ts';

/** A policy as a user writes it in `.image-updater.yaml`, validated and with defaults applied. */
export function policy(input: Record<string, unknown> = {}): Policy {
  return resolvePolicy(StandalonePolicySchema.parse(input));
}

export function tags(...names: string[]): TagCandidate[] {
  return names.map((tag) => ({ tag }));
}

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;
export const DIGEST_C = `sha256:${'c'.repeat(64)}`;
