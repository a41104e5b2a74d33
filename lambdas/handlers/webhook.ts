/**
 * The webhook function behind a Lambda function URL (auth type NONE: registries can't sign
 * SigV4, so the provider's secret is the authentication). A thin adapter from the function URL
 * event to the shared router.
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import type { HttpRequest } from '../ports/http.ts';
import { createWebhookRouter, type WebhookRouterDeps } from './webhook-router.ts';

export type WebhookHandler = (event: LambdaFunctionURLEvent) => Promise<LambdaFunctionURLResult>;

export function createWebhookHandler(deps: WebhookRouterDeps): WebhookHandler {
  const route = createWebhookRouter(deps);
  return async (event) => {
    const response = await route(toHttpRequest(event));
    return { statusCode: response.status, headers: { ...response.headers }, body: response.body };
  };
}

function toHttpRequest(event: LambdaFunctionURLEvent): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body ?? '';
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    headers,
    query: { ...(event.queryStringParameters ?? {}) },
    // Function URLs pass a JSON body as text and anything else base64-encoded; the HMAC is
    // over the bytes the registry sent either way.
    body: event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}
