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

export const FunctionEnvSchema = z.object({
  /** JSON: `[{"repo": "owner/name", "configPath": ".image-updater.yaml"}]`. */
  WATCHED_REPOS: json(z.array(WatchedRepoSchema)),
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
