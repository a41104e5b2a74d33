/**
 * `.image-updater.yaml` (SPEC §3). One zod schema is the source of the runtime checks, the
 * TypeScript types and the published JSON Schema (`schema/image-updater.schema.json`).
 */
import semver from 'semver';
import * as z from 'zod';
import { compileCalverLayout } from '../core/tags/calver-layout.ts';
import { checkIgnoreGlob } from '../core/tags/glob.ts';
import { checkTagPattern } from '../core/tags/pattern.ts';
import { parseImageReference } from '../core/image/reference.ts';
import {
  AUTOMERGE_LEVELS,
  MERGE_METHODS,
  MERGE_STRATEGIES,
  PIN_MODES,
  STRATEGIES,
  UPDATE_MODES,
  type Config,
  type Policy,
} from '../core/config.ts';
import { defined } from '../objects.ts';

const COMMIT_MESSAGE_TOKENS = ['policy', 'image', 'from', 'to', 'digest', 'updateType'] as const;

const DEFAULT_COMMIT_MESSAGE = 'chore(images): update {{policy}} to {{to}}';
const DEFAULT_FILES = ['**/*.yaml', '**/*.yml', '**/Kustomization'];

// Names become branch names (image-updater/<name>): besides the character set, what
// `git check-ref-format` refuses (`..`, a trailing `.`, a `.lock` ending) is refused here.
const SEGMENT = '[a-z0-9](?:[a-z0-9_-]|\\.(?!\\.))*(?<!\\.|\\.lock)';
const NAME = new RegExp(`^${SEGMENT}$`);
const POLICY_NAME = new RegExp(`^${SEGMENT}(?::${SEGMENT})?$`);
// GitHub logins, or org/team slugs.
const REVIEWER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)?$/;
const TOKEN_RE = /\{\{\s*([^}]*?)\s*\}\}/g;

const commitMessage = z
  .string()
  .min(1)
  .max(500)
  .superRefine((value, ctx) => {
    for (const match of value.matchAll(TOKEN_RE)) {
      const token = match[1] ?? '';
      if (!(COMMIT_MESSAGE_TOKENS as readonly string[]).includes(token)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown token {{${token}}}; use ${COMMIT_MESSAGE_TOKENS.map((t) => `{{${t}}}`).join(' ')}`,
        });
      }
    }
  });

/**
 * Bounds on user globs and patterns, checked before anything compiles them: picomatch's parse of
 * nested braces is super-linear (a 60 KB `{{{…}}}` took over a minute), and no tag is longer than
 * 128 characters, so nothing useful is lost.
 */
const TEXT_LIMITS = {
  tagPatternChars: 1_024,
  tagGlobChars: 256,
  fileGlobChars: 1_024,
  braceDepth: 8,
} as const;

function braceDepth(glob: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i];
    if (c === '\\') i += 1;
    else if (c === '{') deepest = Math.max(deepest, (depth += 1));
    else if (c === '}') depth = Math.max(0, depth - 1);
  }
  return deepest;
}

function withinGlobLimits(glob: string, maxChars: number): boolean {
  return glob.length > 0 && glob.length <= maxChars && braceDepth(glob) <= TEXT_LIMITS.braceDepth;
}

/** A non-empty glob of at most `maxChars`, braces nested at most TEXT_LIMITS.braceDepth deep. */
function boundedGlob(maxChars: number) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(maxChars, `longer than ${maxChars.toLocaleString('en-US')} characters`)
    .refine(
      (g) => g.length > maxChars || braceDepth(g) <= TEXT_LIMITS.braceDepth,
      `braces nested deeper than ${TEXT_LIMITS.braceDepth} levels`,
    );
}

const fileGlob = boundedGlob(TEXT_LIMITS.fileGlobChars)
  .refine((g) => !g.startsWith('/') && !/^[A-Za-z]:/.test(g), 'globs are relative to the repository root')
  .refine(
    (g) => !g.split('/').includes('..'),
    '".." may not appear in a glob: files outside the repo are never read',
  );

/** Keys that `defaults` sets and that every policy may override. */
const defaultsShape = {
  baseBranch: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe("Branch the config is read from and PRs target; default: the repository's default branch."),
  update: z
    .enum(UPDATE_MODES)
    .optional()
    .describe('pull-request opens or updates one PR; commit pushes straight to baseBranch.'),
  automerge: z.enum(AUTOMERGE_LEVELS).optional().describe('Highest update type merged without review.'),
  mergeStrategy: z
    .enum(MERGE_STRATEGIES)
    .optional()
    .describe('auto: GitHub native auto-merge; immediate: merge through the API once mergeable.'),
  mergeMethod: z.enum(MERGE_METHODS).optional(),
  labels: z.array(z.string().min(1).max(50)).optional(),
  reviewers: z.array(z.string().regex(REVIEWER, 'a GitHub login or org/team')).optional(),
  commitMessage: commitMessage
    .optional()
    .describe(`Tokens: ${COMMIT_MESSAGE_TOKENS.map((t) => `{{${t}}}`).join(' ')}`),
};

const DefaultsSchema = z.strictObject(defaultsShape);

const TagFilterSchema = z.strictObject({
  pattern: z
    .string()
    .min(1, 'must not be empty')
    .max(
      TEXT_LIMITS.tagPatternChars,
      `longer than ${TEXT_LIMITS.tagPatternChars.toLocaleString('en-US')} characters (a tag has at most 128)`,
    )
    .optional()
    .describe(
      'Regular expression (RE2 syntax: no lookaround or backreferences) a tag must match; the named group "version" (or the whole tag) is compared.',
    ),
  ignore: z
    .array(boundedGlob(TEXT_LIMITS.tagGlobChars))
    .optional()
    .describe(
      'Globs (picomatch syntax; "*" matches any tag) of tags never considered. Extglobs such as +(a|b) are refused: use braces, {a,b}.',
    ),
});

const policyShape = {
  name: z
    .string()
    .regex(
      POLICY_NAME,
      'lower-case [a-z0-9][a-z0-9._-]*, optionally namespace:name, usable in a branch name (no "..", no trailing "." or ".lock")',
    )
    .max(100),
  image: z.string().refine((image) => {
    const ref = parseImageReference(image);
    return ref !== undefined && ref.tag === undefined && ref.digest === undefined;
  }, 'an image name (registry/repository) without tag or digest'),
  strategy: z.enum(STRATEGIES).default('semver'),
  range: z
    .string()
    .refine((r) => semver.validRange(r, { loose: false }) !== null, 'not a valid node-semver range')
    .optional(),
  prerelease: z.boolean().optional(),
  tags: TagFilterSchema.optional(),
  order: z.enum(['asc', 'desc']).optional(),
  layout: z.string().optional(),
  track: z.string().optional(),
  pin: z.enum(PIN_MODES).optional(),
  files: z.array(fileGlob).min(1).optional(),
  group: z
    .string()
    .regex(
      NAME,
      'lower-case [a-z0-9][a-z0-9._-]*, usable in a branch name (no "..", no trailing "." or ".lock")',
    )
    .max(100)
    .optional(),
  allowDowngrade: z.boolean().optional(),
  ...defaultsShape,
};

type PolicyFields = z.infer<z.ZodObject<typeof policyShape>>;

function checkPolicy(policy: Omit<PolicyFields, 'name' | 'image'>, ctx: z.RefinementCtx): void {
  const only = (key: keyof typeof policy, strategies: readonly string[]) => {
    if (policy[key] !== undefined && !strategies.includes(policy.strategy)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `"${key}" applies only to strategy ${strategies.join(' or ')}, not ${policy.strategy}`,
      });
    }
  };
  only('range', ['semver']);
  only('prerelease', ['semver']);
  only('order', ['numerical', 'alphabetical']);
  only('layout', ['calver']);
  only('track', ['digest']);
  if (policy.strategy === 'calver') {
    if (policy.layout === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['layout'],
        message: 'strategy calver needs a layout, e.g. YYYY.0M.0D',
      });
    } else {
      const compiled = compileCalverLayout(policy.layout);
      if (!compiled.ok) ctx.addIssue({ code: 'custom', path: ['layout'], message: compiled.reason });
    }
  }
  if (policy.strategy === 'digest') {
    if (policy.track === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['track'],
        message: 'strategy digest needs track: the mutable tag to follow',
      });
    } else if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(policy.track)) {
      ctx.addIssue({ code: 'custom', path: ['track'], message: 'track must be a valid OCI tag' });
    }
    if (policy.pin === 'tag') {
      ctx.addIssue({
        code: 'custom',
        path: ['pin'],
        message: 'strategy digest always writes a digest; use pin digest or tag+digest',
      });
    }
  }
  const pattern = policy.tags?.pattern;
  // Out of bounds already reported: compiling it is what the bounds are there to prevent.
  if (pattern !== undefined && pattern.length <= TEXT_LIMITS.tagPatternChars) {
    // RE2, not JavaScript, syntax: the tags a pattern runs over are chosen by whoever can push.
    const problem = checkTagPattern(pattern);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['tags', 'pattern'], message: problem });
  }
  // Globs with several stars, groups or braces run on RE2 too: their checks need the engine.
  policy.tags?.ignore?.forEach((glob, index) => {
    if (!withinGlobLimits(glob, TEXT_LIMITS.tagGlobChars)) return;
    const problem = checkIgnoreGlob(glob);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tags', 'ignore', index], message: problem });
    }
  });
}

const PolicySchema = z.strictObject(policyShape).superRefine(checkPolicy);

/** One policy given on its own (the CLI's `select --policy`): name and image are optional. */
export const StandalonePolicySchema = z
  .strictObject({ ...policyShape, name: policyShape.name.optional(), image: policyShape.image.optional() })
  .superRefine(checkPolicy);

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    defaults: DefaultsSchema.optional(),
    policies: z.array(PolicySchema).min(1),
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
/** Applies `defaults`, then built-in defaults, to each policy. */
export function resolveConfig(raw: RawConfig): Config {
  return { version: 1, policies: raw.policies.map((p) => resolvePolicy(p, raw.defaults)) };
}

export type Defaults = z.infer<typeof DefaultsSchema>;

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
  };
}
