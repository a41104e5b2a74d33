/** The policy and `defaults` schemas of `.image-updater.yaml`, with the checks across a policy's keys. */
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
  RELEASE_AGE_KEYS,
  STRATEGIES,
  UPDATE_MODES,
} from '../core/config.ts';
import { duration, releaseAge } from './release-age-schema.ts';
import { boundedGlob, fileGlob, TEXT_LIMITS } from './glob-limits.ts';
import { VerifySchema } from './verify-schema.ts';

const COMMIT_MESSAGE_TOKENS = ['policy', 'image', 'from', 'to', 'digest', 'updateType'] as const;

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
  minimumReleaseAge: releaseAge(RELEASE_AGE_KEYS).optional(),
  verify: VerifySchema.optional(),
};

export const DefaultsSchema = z.strictObject(defaultsShape);

export type Defaults = z.infer<typeof DefaultsSchema>;

const tagPattern = z
  .string()
  .min(1, 'must not be empty')
  .max(
    TEXT_LIMITS.tagPatternChars,
    `longer than ${TEXT_LIMITS.tagPatternChars.toLocaleString('en-US')} characters (a tag has at most 128)`,
  );
const tagGlob = boundedGlob(TEXT_LIMITS.tagGlobChars);

const TagFilterSchema = z.strictObject({
  pattern: tagPattern
    .optional()
    .describe(
      'Regular expression (RE2 syntax: no lookaround or backreferences) a tag must match; the named group "version" (or the whole tag) is compared.',
    ),
  ignore: z
    .array(tagGlob)
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
  promote: z
    .strictObject({
      from: z.string().regex(POLICY_NAME, 'the name of another policy of this file').max(100),
      after: duration
        .optional()
        .describe(
          "A soak time: propose the source's change once it has run this long on its base branch (from its landing: the merge of the updater PR that brought it).",
        ),
      when: z
        .enum(['merged', 'healthy'], { error: 'merged (the default) or healthy' })
        .optional()
        .describe(
          "merged (default): once the change is on the source's base branch. healthy: once the source environment's application reports healthy at a commit that contains it (Argo CD or Flux webhook).",
        ),
      application: z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/,
          'an Argo CD application name, or a Flux namespace/name',
        )
        .max(253)
        .optional()
        .describe(
          'With when: healthy, the source environment as its health reports name it: the Argo CD Application (metadata.name), or the Flux Kustomization or HelmRelease as namespace/name.',
        ),
    })
    .optional()
    .describe(
      "Environment promotion: propose the tag and digest that the `from` policy's files hold on its base branch, not the registry's. No strategy or tag filters of its own.",
    ),
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
  // Out of bounds (the schemas above say so): compiling it is what the bounds are there to prevent.
  if (pattern !== undefined && tagPattern.safeParse(pattern).success) {
    // RE2, not JavaScript, syntax: the tags a pattern runs over are chosen by whoever can push.
    const problem = checkTagPattern(pattern);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['tags', 'pattern'], message: problem });
  }
  // Globs with several stars, groups or braces run on RE2 too: their checks need the engine.
  policy.tags?.ignore?.forEach((glob, index) => {
    if (!tagGlob.safeParse(glob).success) return;
    const problem = checkIgnoreGlob(glob);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tags', 'ignore', index], message: problem });
    }
  });
}

export const PolicySchema = z.strictObject(policyShape).superRefine(checkPolicy);

/**
 * One policy given on its own (the CLI's `select --policy`): name and image are optional, and
 * `promote` is unknown (a promotion selects from another policy's files, not from tags).
 */
export const StandalonePolicySchema = z
  .strictObject({ ...policyShape, name: policyShape.name.optional(), image: policyShape.image.optional() })
  .omit({ promote: true })
  .superRefine(checkPolicy);
