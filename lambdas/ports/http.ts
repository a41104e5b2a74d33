/**
 * The HTTP surface of the webhook endpoint: what the Lambda function URL adapter and `serve`'s
 * local server hand to the router (`handlers/webhook-router.ts`), so neither imports a handler.
 */

/** Registries send a few KiB; GitHub package events with a large manifest stay well below this. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/**
 * GitHub's own events list the commits of a push with their paths (GitHub sends up to 25 MB);
 * 5 MiB stays under the 6 MB a Lambda function URL takes. A larger push is answered 413 and
 * nothing is queued: the reconcile reads the repository again on its schedule.
 */
const MAX_GITHUB_WEBHOOK_BODY_BYTES = 5 * 1024 * 1024;

/** The providers whose bodies have their own limit; every other one has the endpoint's. */
const BODY_LIMITS: Readonly<Record<string, number>> = { github: MAX_GITHUB_WEBHOOK_BODY_BYTES };

const WEBHOOK_PATH = /^\/webhooks\/([^/]+)\/?$/;

/** `<provider>` of `/webhooks/<provider>`, or undefined for any other path. */
export function webhookProviderOf(path: string): string | undefined {
  return WEBHOOK_PATH.exec(path)?.[1];
}

/**
 * The largest body `POST <path>` takes: the endpoint's limit (`fallback`,
 * `WEBHOOK_MAX_BODY_BYTES` in AWS), or the provider's own when that is larger. The router
 * refuses above it with 413; `serve`'s server stops reading there.
 */
export function webhookBodyLimit(path: string, fallback = MAX_WEBHOOK_BODY_BYTES): number {
  const provider = webhookProviderOf(path);
  const own = provider !== undefined && Object.hasOwn(BODY_LIMITS, provider) ? BODY_LIMITS[provider]! : 0;
  return Math.max(own, fallback);
}

export interface HttpRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** Lowercase names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** The exact bytes received (a body over the limit may be cut short after the limit). */
  readonly body: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type WebhookRouter = (request: HttpRequest) => Promise<HttpResponse>;
