/**
 * The functions' environment, set by the `ImageUpdater` construct and parsed once at cold start.
 * A bad value fails the cold start with the variable's name, before any event is touched.
 */
import * as z from 'zod';
import { DEFAULT_CONFIG_PATH } from '../config/load.ts';
import { EnvironmentError } from './errors.ts';

/** One environment repository the updater writes to. */
export const WatchedRepoSchema = z.strictObject({
  /** `owner/name`. */
  repo: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'expected owner/name'),
  configPath: z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a path inside the repository')
    .optional(),
});

export type WatchedRepo = z.infer<typeof WatchedRepoSchema>;

/** GitHub's topic grammar: lowercase letters, digits and hyphens, at most 50 characters. */
const TOPIC = /^[a-z0-9][a-z0-9-]{0,49}$/;

/** Which of the App's repositories are watched when no static list is given. */
export const DiscoverySchema = z.strictObject({
  /** Globs over `owner/name`; `!` before one excludes. */
  names: z
    .array(
      z
        .string()
        .min(1)
        .max(256)
        .refine((g) => /^!?[^/!]+\/[^/]+$/.test(g), 'an owner/name glob such as acme/env-* or !acme/secrets'),
    )
    .max(100)
    .optional(),
  topic: z.string().regex(TOPIC, 'a GitHub topic (a-z, 0-9, -; at most 50)').optional(),
  configPath: WatchedRepoSchema.shape.configPath,
});

const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

export const FunctionEnvSchema = z
  .object({
    /** JSON: `[{"repo": "owner/name", "configPath": ".image-updater.yaml"}]`; `[]` with DISCOVERY. */
    WATCHED_REPOS: json(z.array(WatchedRepoSchema)),
    /** JSON `DiscoverySchema`: watch the App's repositories that have a config (no static list). */
    DISCOVERY: json(DiscoverySchema).optional(),
    /** The DynamoDB table of the image index (and of GitHub delivery ids). */
    INDEX_TABLE_NAME: z.string().min(1).optional(),
    /** `on`: GitHub's App webhooks reach the updater, so the index alone picks a push's repositories. */
    GITHUB_EVENTS: z.enum(['on', 'off']).default('off'),
    /** Name or ARN of the Secrets Manager secret with the GitHub credentials. */
    GITHUB_SECRET_ID: z.string().min(1),
    GITHUB_AUTH: z.enum(['token', 'app']),
    /** `https://HOST/api/v3` for GitHub Enterprise Server; empty for github.com. */
    GITHUB_API_URL: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).optional(),
    /** This instance's share of GitHub's 80 content-creating requests a minute. */
    GITHUB_WRITES_PER_MINUTE: z.coerce.number().int().min(0).max(1000).default(80),
    SECRET_CACHE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
    /** Secret with `{"host": {"username", "password"}}` for listing tags of other registries; unset: anonymous. */
    REGISTRY_CREDENTIALS_SECRET_ID: z.string().min(1).optional(),
    /** The schedule group held pushes wait in (`minimumReleaseAge`); unset: they wait for the reconcile. */
    RELEASE_AGE_SCHEDULE_GROUP: z
      .string()
      .regex(/^[0-9a-zA-Z._-]{1,64}$/, 'a schedule group name')
      .optional(),
    /** The role EventBridge Scheduler assumes to send a held push back to the queue. */
    RELEASE_AGE_ROLE_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN')
      .optional(),
    /** The work queue's ARN: the schedules' target. */
    WORK_QUEUE_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:.+$/, 'an SQS queue ARN')
      .optional(),
    /** The secrets a config's `verify.cosign.key` may name: no other is read, whatever the role may. */
    VERIFY_KEY_SECRET_ARNS: json(z.array(z.string().min(1))).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.WATCHED_REPOS.length === 0 && !env.DISCOVERY)
      ctx.addIssue({ code: 'custom', path: ['WATCHED_REPOS'], message: 'empty, and no DISCOVERY' });
    if (env.DISCOVERY && env.GITHUB_AUTH !== 'app')
      ctx.addIssue({ code: 'custom', path: ['DISCOVERY'], message: 'needs GITHUB_AUTH=app' });
    const scheduling = [env.RELEASE_AGE_SCHEDULE_GROUP, env.RELEASE_AGE_ROLE_ARN, env.WORK_QUEUE_ARN];
    if (scheduling.some((v) => v !== undefined) && scheduling.some((v) => v === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['RELEASE_AGE_SCHEDULE_GROUP'],
        message: 'RELEASE_AGE_SCHEDULE_GROUP, RELEASE_AGE_ROLE_ARN and WORK_QUEUE_ARN go together',
      });
    if (env.DISCOVERY && env.WATCHED_REPOS.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['DISCOVERY'],
        message: 'give WATCHED_REPOS or DISCOVERY, not both',
      });
  });

export type FunctionEnv = z.infer<typeof FunctionEnvSchema>;

export function parseFunctionEnv(env: Record<string, string | undefined>): FunctionEnv {
  const parsed = FunctionEnvSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
  throw new EnvironmentError(`invalid function environment: ${problems}`);
}

export function configPathOf(repo: WatchedRepo): string {
  return repo.configPath ?? DEFAULT_CONFIG_PATH;
}
