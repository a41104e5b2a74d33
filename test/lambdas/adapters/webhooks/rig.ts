/**
 * A webhook router wired as in production except for the queue, which keeps what the worker
 * would receive: each accepted push goes through the worker's own message encoding and decoding.
 */
import { createHmac } from 'node:crypto';
import { ImageAllowList } from '../../../../lambdas/adapters/webhooks/allow-list.ts';
import {
  staticWebhookSecrets,
  type SecretsByProvider,
} from '../../../../lambdas/adapters/webhooks/secrets.ts';
import type { PushedImage } from '../../../../lambdas/core/push.ts';
import { QueueError } from '../../../../lambdas/core/queue/errors.ts';
import { decodeMessage, encodeQueuedMessage } from '../../../../lambdas/adapters/sqs/messages.ts';
import type { RepoEvent } from '../../../../lambdas/core/repo-events.ts';
import type { HttpResponse } from '../../../../lambdas/ports/http.ts';
import { createWebhookRouter, type WebhookRouterDeps } from '../../../../lambdas/handlers/webhook-router.ts';
import { recordingLog } from '../../../support/handlers.ts';

export const SECRET = 'correct-horse-battery-staple-42';

interface WorkerView {
  readonly source: string;
  readonly id: string | undefined;
  readonly push: PushedImage;
}

export interface RigResponse extends HttpResponse {
  readonly json: Record<string, unknown>;
}

export function webhookRig(
  options: {
    allow?: readonly string[];
    secrets?: SecretsByProvider | string;
    maxBodyBytes?: number;
    /** Every enqueue fails, or only the first `n`. */
    queueFails?: boolean | number;
    deps?: Partial<WebhookRouterDeps>;
  } = {},
) {
  const received: WorkerView[] = [];
  /** GitHub's events as the worker decodes them, with their delivery ids. */
  const events: { readonly id: string; readonly event: RepoEvent }[] = [];
  let failures = 0;
  const log = recordingLog();
  const router = createWebhookRouter({
    secrets: staticWebhookSecrets(options.secrets ?? SECRET),
    allowList: ImageAllowList.parse(options.allow ?? ['*']),
    queue: {
      async enqueue(pushes) {
        const fails = options.queueFails;
        if (fails === true || (typeof fails === 'number' && failures++ < fails))
          throw new QueueError('QUEUE_SEND_FAILED', 'SendMessageBatch failed: ServiceUnavailable');
        for (const p of pushes) {
          const decoded = decodeMessage(encodeQueuedMessage(p));
          if (decoded.kind === 'repo-event') events.push({ id: decoded.id, event: decoded.event });
          else if (decoded.kind === 'push')
            received.push({ source: decoded.source, id: decoded.id, push: decoded.push });
          else throw new Error(`the worker would not read this message: ${JSON.stringify(decoded)}`);
        }
      },
    },
    log,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...options.deps,
  });

  async function post(
    provider: string,
    body: string | Buffer | object,
    request: { headers?: Record<string, string>; query?: Record<string, string>; method?: string } = {},
  ): Promise<RigResponse> {
    const bytes = Buffer.isBuffer(body)
      ? body
      : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
    const response = await router({
      method: request.method ?? 'POST',
      path: `/webhooks/${provider}`,
      headers,
      query: request.query ?? {},
      body: bytes,
    });
    return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
  }

  return { router, received, events, log, post };
}

export const bearer = (secret = SECRET) => ({ authorization: `Bearer ${secret}` });

export function hubSignature(body: string | Buffer, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The ignore reasons of a 200 answer. */
export function reasons(response: RigResponse): string[] {
  return ((response.json.ignored as { reason: string }[] | undefined) ?? []).map((i) => i.reason);
}

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;
