/**
 * The webhook function's environment, set by the `ImageUpdater` construct and parsed once at
 * cold start. A bad value fails the cold start with the variable's name, before any request.
 *
 * `lib/` reads this module at synth time (to type the environment it sets and to check the
 * allow-list with the parser the function runs), so it imports neither the router nor the
 * providers.
 */
import * as z from 'zod';
import { ImageAllowList } from '../adapters/webhooks/allow-list.ts';
import { ImageUpdaterError } from '../errors.ts';
import { MAX_WEBHOOK_BODY_BYTES } from '../ports/http.ts';
import { EnvironmentError } from './errors.ts';

export const WebhookEnvSchema = z.object({
  /** Name or ARN of the Secrets Manager secret: one string, or JSON with a secret per provider. */
  WEBHOOK_SECRET_ID: z.string().min(1),
  /** JSON array of `REGISTRY[/PATH-PREFIX]` entries (or `["*"]`). */
  WEBHOOK_ALLOWED_IMAGES: z.string().min(1),
  /** The worker's queue. */
  QUEUE_URL: z.url({ protocol: /^https?$/ }),
  WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(6 * 1024 * 1024)
    .default(MAX_WEBHOOK_BODY_BYTES),
  SECRET_CACHE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /**
   * The index table, which also holds GitHub's delivery ids (de-duplication across function
   * instances). Unset: each instance remembers the deliveries it took, in memory.
   */
  INDEX_TABLE_NAME: z
    .string()
    .regex(/^[\w.-]{3,255}$/, 'not a DynamoDB table name')
    .optional(),
});

export interface WebhookEnv extends Omit<z.infer<typeof WebhookEnvSchema>, 'WEBHOOK_ALLOWED_IMAGES'> {
  readonly allowList: ImageAllowList;
}

/**
 * `WEBHOOK_ALLOWED_IMAGES` as the function reads it. Throws the allow-list's `WebhookError`
 * (`WEBHOOK_ALLOW_LIST_INVALID`) naming what is wrong; the construct calls it at synth, so a bad
 * entry fails `cdk synth` instead of every delivery.
 */
export function parseAllowedImages(text: string): ImageAllowList {
  return ImageAllowList.fromText(text);
}

export function parseWebhookEnv(env: Record<string, string | undefined>): WebhookEnv {
  const parsed = WebhookEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.map(String).join('.')}: ${i.message}`)
      .join('; ');
    throw new EnvironmentError(`invalid webhook function environment: ${problems}`);
  }
  const { WEBHOOK_ALLOWED_IMAGES, ...rest } = parsed.data;
  try {
    return { ...rest, allowList: parseAllowedImages(WEBHOOK_ALLOWED_IMAGES) };
  } catch (error) {
    throw new EnvironmentError(
      `invalid webhook function environment: WEBHOOK_ALLOWED_IMAGES: ${error instanceof ImageUpdaterError ? error.message : String(error)}`,
    );
  }
}
