/**
 * CNCF Distribution (registry 2.x and 3.x) notifications: an envelope `{ "events": [...] }`, sent
 * as `application/vnd.docker.distribution.events.v1+json` (2.x) or `…v2+json` (3.x), with the
 * static headers the registry's `notifications.endpoints[].headers` configures; there is no
 * signature, so the endpoint is configured with `Authorization: [Bearer <secret>]`.
 *
 * Only a `push` of a manifest or index with `target.tag` moves a tag. Layer and config blob pushes,
 * the untagged per-platform manifests of a multi-arch push, pulls, mounts and deletes are
 * acknowledged and ignored. Events in one envelope may come in any order.
 */
import * as z from 'zod';
import { canonicalImageName } from '../../core/image/reference.ts';
import { sharedSecretMatches } from './auth.ts';
import { describeZodError, eventTime, malformed, parseJson, tagProblem, usableDigest } from './body.ts';
import type { IgnoredEvent, ParseResult, ReceivedPush, WebhookProvider, WebhookRequest } from './types.ts';

/** Image manifests and indexes, Docker and OCI. Everything else a registry stores is a blob. */
const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

/** Unknown keys are kept: registries add fields (`references`, `instanceID`, `size`). */
const EventSchema = z.looseObject({
  id: z.string().max(256).optional(),
  timestamp: z.string().max(64).optional(),
  action: z.string().max(32),
  target: z
    .looseObject({
      mediaType: z.string().max(256).optional(),
      digest: z.string().max(256).optional(),
      repository: z.string().max(256).optional(),
      url: z.string().max(2048).optional(),
      tag: z.string().max(256).optional(),
    })
    .optional(),
  request: z.looseObject({ host: z.string().max(256).optional() }).optional(),
});

const DistributionEnvelopeSchema = z.looseObject({
  events: z.array(EventSchema).max(1000, 'at most 1,000 events per notification'),
});

type DistributionEvent = z.infer<typeof EventSchema>;

export const distribution: WebhookProvider = {
  name: 'distribution',

  authenticate(request: WebhookRequest, secret: string): boolean {
    return sharedSecretMatches(request.headers.authorization, secret);
  },

  parse(request: WebhookRequest): ParseResult {
    const json = parseJson(request.body);
    if (!json.ok) return malformed(json.reason);
    const envelope = DistributionEnvelopeSchema.safeParse(json.value);
    if (!envelope.success)
      return malformed(`not a Distribution notification envelope: ${describeZodError(envelope.error)}`);
    const override = request.query.registry?.trim().toLowerCase();
    if (override !== undefined && canonicalImageName(`${override}/x`)?.startsWith(`${override}/`) !== true)
      return malformed('the "registry" query parameter is not a registry host[:port]');
    const pushes: ReceivedPush[] = [];
    const ignored: IgnoredEvent[] = [];
    // One bad event must not refuse the whole envelope: Distribution would redeliver it (and
    // the good pushes in it) forever, stalling every later notification. It is ignored with why.
    for (const event of envelope.data.events) {
      const meaning = interpret(event, override);
      if (meaning.kind === 'push') pushes.push(meaning.push);
      else if (meaning.kind === 'ignored') ignored.push(meaning.ignored);
      else ignored.push({ reason: 'malformed-event', detail: meaning.reason });
    }
    return { kind: 'events', pushes, ignored };
  },
};

type Meaning =
  | { kind: 'push'; push: ReceivedPush }
  | { kind: 'ignored'; ignored: IgnoredEvent }
  | { kind: 'malformed'; reason: string };

function interpret(event: DistributionEvent, registryOverride: string | undefined): Meaning {
  const target = event.target ?? {};
  const repository = target.repository ?? '(unknown repository)';
  if (event.action !== 'push')
    return ignore('not-a-push', `${event.action} of ${repository}${target.tag ? `:${target.tag}` : ''}`);
  const mediaType = target.mediaType ?? '';
  if (!MANIFEST_MEDIA_TYPES.has(mediaType))
    return ignore('not-a-manifest', `${repository}: a ${mediaType || 'blob'} push moves no tag`);
  const registry = registryOverride ?? registryHost(target.url, event.request?.host);
  if (registry === undefined)
    return {
      kind: 'malformed',
      reason: `a push to ${repository} names no registry host (target.url, request.host)`,
    };
  if (target.repository === undefined)
    return { kind: 'malformed', reason: 'a manifest push without target.repository' };
  const image = `${registry}/${target.repository}`;
  if (canonicalImageName(image) === undefined)
    return { kind: 'malformed', reason: `"${image}" is not a registry/repository name` };
  const problem = tagProblem(image, target.tag, target.digest);
  if (problem) return { kind: 'ignored', ignored: problem };
  return {
    kind: 'push',
    push: {
      push: { image, tag: target.tag!, ...usableDigest(target.digest), ...eventTime(event.timestamp) },
      ...(event.id ? { id: event.id } : {}),
    },
  };
}

/**
 * The host clients push to. `target.url` is built from the registry's `http.host` setting or the
 * request's (forwarded) Host, so it is the name behind a proxy too; `request.host` is the Host
 * header the client sent.
 */
function registryHost(url: string | undefined, requestHost: string | undefined): string | undefined {
  if (url) {
    try {
      const host = new URL(url).host.toLowerCase();
      if (host !== '') return host;
    } catch {
      // Fall through to the request's Host.
    }
  }
  const host = requestHost?.trim().toLowerCase();
  return host ? host : undefined;
}

function ignore(reason: IgnoredEvent['reason'], detail: string): Meaning {
  return { kind: 'ignored', ignored: { reason, detail } };
}
