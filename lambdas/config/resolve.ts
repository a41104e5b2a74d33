/** Built-in defaults: what a policy gets for each key neither it nor `defaults` sets. */
import { RELEASE_AGE_KEYS, type Config, type Policy, type ReleaseAges } from '../core/config.ts';
import { parseDuration } from '../core/plan/release-age.ts';
import { defined } from '../objects.ts';
import type { Defaults, StandalonePolicySchema } from './policy-schema.ts';
import { withPromotionOrdering } from './promote.ts';
import type { RawConfig } from './schema.ts';
import type * as z from 'zod';

const DEFAULT_COMMIT_MESSAGE = 'chore(images): update {{policy}} to {{to}}';
const DEFAULT_FILES = ['**/*.yaml', '**/*.yml', '**/Kustomization'];

/** Applies `defaults`, then built-in defaults, to each policy. */
export function resolveConfig(raw: RawConfig): Config {
  return {
    version: 1,
    policies: withPromotionOrdering(
      raw.policies.map((p) => ({
        ...resolvePolicy(p, raw.defaults),
        ...(p.promote ? { promote: promoteOf(p.promote) } : {}),
      })),
      (index) => raw.policies[index]?.pin !== undefined,
    ),
    dashboard: raw.dashboard ?? true,
  };
}

function promoteOf(
  raw: NonNullable<RawConfig['policies'][number]['promote']>,
): NonNullable<Policy['promote']> {
  const after = raw.after === undefined ? undefined : parseDuration(raw.after);
  // `after: 0s` is no soak at all.
  return {
    from: raw.from,
    ...(after ? { after } : {}),
    ...(raw.when === 'healthy' && raw.application !== undefined
      ? { when: 'healthy' as const, application: raw.application }
      : {}),
  };
}

export function resolvePolicy(p: z.infer<typeof StandalonePolicySchema>, d: Defaults = {}): Policy {
  return {
    name: p.name ?? 'policy',
    image: p.image ?? '',
    strategy: p.strategy,
    range: p.range ?? '*',
    prerelease: p.prerelease ?? false,
    tags: {
      ...(p.tags?.pattern !== undefined ? { pattern: p.tags.pattern } : {}),
      ignore: p.tags?.ignore ?? [],
    },
    order: p.order ?? 'asc',
    ...defined({ layout: p.layout, track: p.track }),
    pin: p.pin ?? (p.strategy === 'digest' ? 'tag+digest' : 'tag'),
    files: p.files ?? DEFAULT_FILES,
    ...defined({ group: p.group }),
    allowDowngrade: p.allowDowngrade ?? false,
    ...((p.baseBranch ?? d.baseBranch) !== undefined ? { baseBranch: p.baseBranch ?? d.baseBranch } : {}),
    update: p.update ?? d.update ?? 'pull-request',
    automerge: p.automerge ?? d.automerge ?? 'none',
    mergeStrategy: p.mergeStrategy ?? d.mergeStrategy ?? 'auto',
    mergeMethod: p.mergeMethod ?? d.mergeMethod ?? 'squash',
    labels: p.labels ?? d.labels ?? ['image-update'],
    reviewers: p.reviewers ?? d.reviewers ?? [],
    commitMessage: p.commitMessage ?? d.commitMessage ?? DEFAULT_COMMIT_MESSAGE,
    ...defined({ minimumReleaseAge: releaseAges(p.minimumReleaseAge ?? d.minimumReleaseAge) }),
    ...defined({ verify: p.verify ?? d.verify }),
  };
}

/**
 * A policy's `minimumReleaseAge` replaces the one of `defaults` as a whole (no merge per type, so
 * what a policy says is all that applies to it). One duration is every update type's.
 */
function releaseAges(raw: Defaults['minimumReleaseAge']): ReleaseAges | undefined {
  if (raw === undefined) return undefined;
  const ages: Partial<Record<(typeof RELEASE_AGE_KEYS)[number], number>> = {};
  for (const key of RELEASE_AGE_KEYS) {
    const text = typeof raw === 'string' ? raw : raw[key];
    const ms = text === undefined ? undefined : parseDuration(text);
    if (ms !== undefined && ms > 0) ages[key] = ms;
  }
  return Object.keys(ages).length > 0 ? ages : undefined;
}
