/**
 * `.image-updater.yaml` (SPEC §3). One zod schema is the source of the runtime checks, the
 * TypeScript types and the published JSON Schema (`schema/image-updater.schema.json`).
 */
import * as z from 'zod';
import { DefaultsSchema, PolicySchema } from './policy-schema.ts';

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    defaults: DefaultsSchema.optional(),
    policies: z.array(PolicySchema).min(1),
    dashboard: z
      .boolean()
      .optional()
      .describe(
        'One issue in the repository (label image-updater) saying, per policy, where its image is and why: up to date, pull request open, held and the reason, closed and ignored, blocked, failing. Default true.',
      ),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.policies.forEach((policy, index) => {
      const first = seen.get(policy.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', index, 'name'],
          message: `duplicate policy name "${policy.name}" (first at policies[${first}])`,
        });
      } else seen.set(policy.name, index);
    });
    // Branches are image-updater/<group or policy>, `ns:name` as `ns/name`: two units must not
    // share a branch, and Git cannot hold `x` beside `x/y`.
    const units = new Map<string, string>();
    config.policies.forEach((policy, index) => {
      const key = policy.group ?? policy.name;
      const what = policy.group !== undefined ? `group "${key}"` : `policy "${key}"`;
      const first = units.get(key);
      if (first !== undefined && first !== what) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', index, policy.group !== undefined ? 'group' : 'name'],
          message: `${what} would share the branch image-updater/${key} with ${first}; rename one`,
        });
      }
      units.set(key, what);
    });
    for (const [key, what] of units) {
      const namespace = key.includes(':') ? key.slice(0, key.indexOf(':')) : undefined;
      if (namespace !== undefined && units.has(namespace)) {
        const index = config.policies.findIndex((p) => (p.group ?? p.name) === key);
        ctx.addIssue({
          code: 'custom',
          path: ['policies', index, 'name'],
          message: `${what} needs the branch image-updater/${key.replace(':', '/')}, which Git cannot hold beside image-updater/${namespace}`,
        });
      }
    }
    // Policies of one group share one branch and one PR, so they must agree on how it is handled.
    const groups = new Map<
      string,
      { index: number; baseBranch?: string; update?: string; mergeStrategy?: string; mergeMethod?: string }
    >();
    config.policies.forEach((policy, index) => {
      if (policy.group === undefined) return;
      const target = {
        index,
        baseBranch: policy.baseBranch ?? config.defaults?.baseBranch,
        update: policy.update ?? config.defaults?.update ?? 'pull-request',
        mergeStrategy: policy.mergeStrategy ?? config.defaults?.mergeStrategy ?? 'auto',
        mergeMethod: policy.mergeMethod ?? config.defaults?.mergeMethod ?? 'squash',
      };
      const first = groups.get(policy.group);
      if (!first) return void groups.set(policy.group, target);
      for (const key of ['baseBranch', 'update', 'mergeStrategy', 'mergeMethod'] as const) {
        if (first[key] !== target[key]) {
          ctx.addIssue({
            code: 'custom',
            path: ['policies', index, key],
            message: `group "${policy.group}" shares one branch: ${key} must match policies[${first.index}]`,
          });
        }
      }
    });
  });

export type RawConfig = z.infer<typeof ConfigSchema>;
