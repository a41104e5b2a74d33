/**
 * `POST /webhooks/<provider>`, shared by the Lambda function URL handler and `serve`: size limit,
 * secret check, schema, allow-list, then the accepted pushes go to the queue. The answer says
 * what happened, so a registry's delivery log is enough to debug a setup:
 *
 *   202 accepted (some pushes queued)        200 ignored, with the reasons
 *   400 malformed body                       401 missing or wrong secret
 *   404 unknown path or provider             405 not POST
 *   413 body over the limit                  503 secret or queue unavailable (the registry retries)
 *   200 duplicate (GitHub: a delivery id already queued)
 *
 * The body limit is the provider's (`webhookBodyLimit`): GitHub's events carry commit lists.
 * Health reports (`argocd`, `flux`, `promote: { when: healthy }`) name the repository in the
 * URL (`?repo=owner/name`) and are answered 202 with what they said.
 * A GitHub delivery is claimed in the delivery log before it is queued and released when the
 * queue refuses it, so a person's "Redeliver" of a failed delivery is queued, not dropped as seen.
 *
 * An image outside the allow-list is ignored with `image-not-allowed` (200), not refused with a
 * 4xx: Distribution retries a failed delivery forever and would stall every later event behind it.
 * Replayed deliveries are harmless: the worker never moves a tag backwards and finds its own
 * branch and PR again, so the second apply of a push writes nothing.
 */
import { PROVIDERS } from '../adapters/webhooks/index.ts';
import type { ImageAllowList } from '../adapters/webhooks/allow-list.ts';
import type { WebhookSecrets } from '../adapters/webhooks/secrets.ts';
import {
  isProviderName,
  type IgnoredEvent,
  type ParseResult,
  type ProviderName,
  type ReceivedPush,
  type WebhookProvider,
  type WebhookRequest,
} from '../adapters/webhooks/types.ts';
import { WEBHOOK_METRIC } from '../names.ts';
import { MemoryDeliveryLog } from '../adapters/local/memory-delivery-log.ts';
import type { DeliveryLog } from '../ports/delivery-log.ts';
import type { PushQueue } from '../ports/push-queue.ts';
import type { HealthEvent, RepoEvent } from '../core/repo-events.ts';
import type { Log, MetricSink } from '../ports/telemetry.ts';
import { errorFields } from '../errors.ts';
import {
  MAX_WEBHOOK_BODY_BYTES,
  webhookBodyLimit,
  webhookProviderOf,
  type HttpRequest,
  type HttpResponse,
  type WebhookRouter,
} from '../ports/http.ts';

export interface WebhookRouterDeps {
  readonly secrets: WebhookSecrets;
  readonly allowList: ImageAllowList;
  readonly queue: PushQueue;
  readonly log: Log;
  readonly metrics?: MetricSink;
  /**
   * The endpoint's body limit; a provider with a larger one of its own keeps it (GitHub).
   * @default MAX_WEBHOOK_BODY_BYTES
   */
  readonly maxBodyBytes?: number;
  /** GitHub's delivery ids already queued. @default an in-memory log (MemoryDeliveryLog) */
  readonly deliveries?: DeliveryLog;
  /** @default PROVIDERS */
  readonly providers?: Readonly<Record<ProviderName, WebhookProvider>>;
}

interface RouterContext extends WebhookRouterDeps {
  readonly providers: Readonly<Record<ProviderName, WebhookProvider>>;
  readonly maxBodyBytes: number;
  readonly deliveries: DeliveryLog;
  readonly count: (name: string, n?: number) => void;
}

export function createWebhookRouter(deps: WebhookRouterDeps): WebhookRouter {
  const ctx: RouterContext = {
    ...deps,
    providers: deps.providers ?? PROVIDERS,
    maxBodyBytes: deps.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES,
    deliveries: deps.deliveries ?? new MemoryDeliveryLog(),
    count: (name, n = 1) => {
      if (n > 0) deps.metrics?.addMetric(name, 'Count', n);
    },
  };
  return (request) => route(ctx, request);
}

/** Path, provider, method, size, secret and schema: a refusal, or the delivery's pushes handed on. */
async function route(ctx: RouterContext, request: HttpRequest): Promise<HttpResponse> {
  const { log, count } = ctx;
  const name = webhookProviderOf(request.path);
  if (name === undefined) return json(404, { error: 'not found', hint: 'POST /webhooks/<provider>' });
  if (!isProviderName(name))
    return json(404, {
      error: `unknown provider "${name.slice(0, 64)}"`,
      providers: Object.keys(ctx.providers),
    });
  const provider = ctx.providers[name];
  if (request.method !== 'POST') return json(405, { error: 'use POST' }, { allow: 'POST' });
  count(WEBHOOK_METRIC.received);
  const base = { provider: name, bytes: request.body.length };

  const limit = webhookBodyLimit(request.path, ctx.maxBodyBytes);
  if (request.body.length > limit) {
    log.warn('webhook refused: body too large', { ...base, limit });
    return json(413, { error: `body larger than ${limit} bytes` });
  }

  let secret: string | undefined;
  try {
    secret = await ctx.secrets.get(name);
  } catch (error) {
    count(WEBHOOK_METRIC.unavailable);
    log.error('webhook secret unavailable', { ...base, ...errorFields(error) });
    return json(503, { error: 'temporarily unavailable' }, { 'retry-after': '5' });
  }
  if (!(await authenticated(ctx, provider, request, secret))) {
    count(WEBHOOK_METRIC.unauthorized);
    if (secret === undefined) log.error('webhook refused: no secret is configured for this provider', base);
    else log.warn('webhook refused: missing or wrong secret', base);
    return json(401, { error: 'missing or wrong secret' }, { 'www-authenticate': 'Bearer' });
  }

  const parsed = provider.parse(request);
  if (parsed.kind === 'malformed') {
    count(WEBHOOK_METRIC.malformed);
    log.warn('webhook refused: malformed', { ...base, reason: parsed.reason });
    return json(400, { error: 'malformed', reason: parsed.reason });
  }
  if (parsed.kind === 'repo-event') return deliverRepoEvent(ctx, base, parsed);
  if (parsed.kind === 'health') return deliverHealth(ctx, base, parsed);
  return deliver(ctx, name, base, parsed);
}

/**
 * An environment's health report (Argo CD, Flux): queued for the worker, which acts on it only
 * in a watched repository whose config names the application. Not de-duplicated: the same
 * report twice says the same thing, and the latest report per application is what counts.
 */
async function deliverHealth(
  ctx: RouterContext,
  base: Record<string, unknown>,
  { id, event }: { readonly id: string; readonly event: HealthEvent },
): Promise<HttpResponse> {
  const { log, count } = ctx;
  const fields = {
    ...base,
    correlation_id: id,
    repo: event.repo,
    application: event.application,
    revision: event.revision,
    healthy: event.healthy,
  };
  try {
    await ctx.queue.enqueue([{ event, source: event.source, id }]);
  } catch (error) {
    count(WEBHOOK_METRIC.unavailable);
    log.error('health report not queued; the sender should deliver again', {
      ...fields,
      ...errorFields(error),
    });
    return json(503, { error: 'temporarily unavailable' }, { 'retry-after': '5' });
  }
  count(WEBHOOK_METRIC.healthReportsAccepted);
  log.info('health report accepted', fields);
  return json(202, {
    status: 'accepted',
    event: 'health',
    repo: event.repo,
    application: event.application,
    revision: event.revision,
    healthy: event.healthy,
  });
}

/**
 * One GitHub delivery: claimed by its id (a second copy is answered `duplicate`), then queued;
 * a delivery log that fails does not stop it (the worker is idempotent), a queue that fails
 * releases the claim and answers 503.
 */
async function deliverRepoEvent(
  ctx: RouterContext,
  base: Record<string, unknown>,
  { delivery, event }: { readonly delivery: string; readonly event: RepoEvent },
): Promise<HttpResponse> {
  const { log, count } = ctx;
  const fields = { ...base, delivery, event: event.type, ...('repo' in event ? { repo: event.repo } : {}) };
  let claimed = false;
  try {
    if ((await ctx.deliveries.claim(delivery)) === 'seen') {
      count(WEBHOOK_METRIC.duplicates);
      log.info('webhook delivery already queued', fields);
      return json(200, { status: 'duplicate', delivery });
    }
    claimed = true;
  } catch (error) {
    log.warn('delivery log unavailable; queueing without the duplicate check', {
      ...fields,
      ...errorFields(error),
    });
  }
  try {
    await ctx.queue.enqueue([{ event, source: 'github', id: delivery }]);
  } catch (error) {
    count(WEBHOOK_METRIC.unavailable);
    if (claimed)
      await ctx.deliveries.release(delivery).catch((releaseError: unknown) => {
        log.warn('delivery claim not released; a redelivery will be answered duplicate', {
          ...fields,
          ...errorFields(releaseError),
        });
      });
    log.error('webhook event not queued; redeliver it from the App settings', {
      ...fields,
      ...errorFields(error),
    });
    return json(503, { error: 'temporarily unavailable' }, { 'retry-after': '5' });
  }
  count(WEBHOOK_METRIC.githubEventsAccepted);
  log.info('webhook event accepted', fields);
  return json(202, { status: 'accepted', delivery, event: event.type });
}

/** The allow-list, then the queue: the answer says what was accepted and what was ignored. */
async function deliver(
  ctx: RouterContext,
  name: ProviderName,
  base: Record<string, unknown>,
  parsed: Extract<ParseResult, { kind: 'events' }>,
): Promise<HttpResponse> {
  const { log, count } = ctx;
  const accepted: ReceivedPush[] = [];
  const ignored: IgnoredEvent[] = [...parsed.ignored];
  for (const received of parsed.pushes) {
    if (ctx.allowList.allows(received.push.image)) accepted.push(received);
    else {
      ignored.push({
        reason: 'image-not-allowed',
        detail: `${received.push.image} is outside the allow-list`,
      });
      count(WEBHOOK_METRIC.refused);
      log.warn('webhook push refused: image outside the allow-list', {
        ...base,
        image: received.push.image,
        tag: received.push.tag,
      });
    }
  }
  count(WEBHOOK_METRIC.ignored, ignored.length);
  // One line per delivery: Distribution reports every layer blob of a push.
  if (ignored.length > 0)
    log.info('webhook events ignored', {
      ...base,
      ignored: ignored.slice(0, 20).map(({ reason, detail }) => ({ reason, detail })),
      ...(ignored.length > 20 ? { more: ignored.length - 20 } : {}),
    });
  if (accepted.length === 0)
    return json(200, {
      status: 'ignored',
      ignored: ignored.map(({ reason, detail }) => ({ reason, detail })),
    });

  try {
    await ctx.queue.enqueue(
      accepted.map((r) => ({ push: r.push, source: name, ...(r.id ? { id: r.id } : {}) })),
    );
  } catch (error) {
    count(WEBHOOK_METRIC.unavailable);
    log.error('webhook pushes not queued; the registry should deliver again', {
      ...base,
      ...errorFields(error),
      pushes: accepted.length,
    });
    return json(503, { error: 'temporarily unavailable' }, { 'retry-after': '5' });
  }
  count(WEBHOOK_METRIC.accepted, accepted.length);
  for (const { push, id } of accepted)
    log.info('webhook push accepted', {
      ...base,
      image: push.image,
      tag: push.tag,
      ...(push.digest ? { digest: push.digest } : {}),
      ...(id ? { correlation_id: id } : {}),
    });
  return json(202, {
    status: 'accepted',
    accepted: accepted.map(({ push }) => ({ image: push.image, tag: push.tag })),
    ...(ignored.length > 0 ? { ignored: ignored.map(({ reason, detail }) => ({ reason, detail })) } : {}),
  });
}

async function authenticated(
  ctx: RouterContext,
  provider: WebhookProvider,
  request: WebhookRequest,
  secret: string | undefined,
): Promise<boolean> {
  if (secret !== undefined && (await provider.authenticate(request, secret))) return true;
  // A rotated secret: the new one may already be in use by the registry.
  const fresh = await ctx.secrets.refresh?.(provider.name).catch(() => undefined);
  return fresh !== undefined && (await provider.authenticate(request, fresh));
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: `${JSON.stringify(body)}\n`,
  };
}
