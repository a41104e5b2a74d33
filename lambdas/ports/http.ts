/**
 * The HTTP surface of the webhook endpoint: what the Lambda function URL adapter and `serve`'s
 * local server hand to the router (`handlers/webhook-router.ts`), so neither imports a handler.
 */

/** Registries send a few KiB; GitHub package events with a large manifest stay well below this. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

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
