/**
 * Harbor webhooks (`http` notify type), in both payload formats:
 * - Default: `{ "type": "PUSH_ARTIFACT", "occur_at": <unix s>, "event_data": { "resources": [...], "repository": {...} } }`
 * - CloudEvents (Harbor 2.10+, structured mode): `{ "specversion": "1.0", "id", "type": "harbor.artifact.pushed", "time", "data": { "resources", "repository" } }`
 *
 * Harbor signs nothing; it sends the policy's "Auth Header" verbatim as `Authorization`.
 * A push by digest carries the digest as its `tag`: that is not a tag push.
 */
import * as z from 'zod';
import { sharedSecretMatches } from './auth.ts';
import {
  describeZodError,
  eventTime,
  imageOfReference,
  malformed,
  parseJson,
  tagProblem,
  usableDigest,
} from './body.ts';
import type { IgnoredEvent, ParseResult, ReceivedPush, WebhookProvider, WebhookRequest } from './types.ts';

const PUSH_TYPES = new Set(['PUSH_ARTIFACT', 'harbor.artifact.pushed']);

const ResourceSchema = z.looseObject({
  digest: z.string().max(256).optional(),
  tag: z.string().max(256).optional(),
  resource_url: z.string().max(2048).optional(),
});

const EventDataSchema = z.looseObject({
  resources: z.array(ResourceSchema).max(1000, 'at most 1,000 resources per event').optional(),
  repository: z
    .looseObject({
      name: z.string().max(256).optional(),
      namespace: z.string().max(256).optional(),
      repo_full_name: z.string().max(512),
    })
    .optional(),
});

const DefaultSchema = z.looseObject({
  type: z.string().max(64),
  occur_at: z.number().optional(),
  event_data: EventDataSchema.optional(),
});

const CloudEventSchema = z.looseObject({
  specversion: z.string().max(16),
  id: z.string().max(256),
  type: z.string().max(128),
  time: z.string().max(64).optional(),
  data: EventDataSchema.optional(),
});

export const harbor: WebhookProvider = {
  name: 'harbor',

  authenticate(request: WebhookRequest, secret: string): boolean {
    return sharedSecretMatches(request.headers.authorization, secret);
  },

  parse(request: WebhookRequest): ParseResult {
    const json = parseJson(request.body);
    if (!json.ok) return malformed(json.reason);
    const isCloudEvent = typeof json.value === 'object' && json.value !== null && 'specversion' in json.value;
    let type: string;
    let data: z.infer<typeof EventDataSchema> | undefined;
    let time: { pushedAt?: Date };
    let id: string | undefined;
    if (isCloudEvent) {
      const parsed = CloudEventSchema.safeParse(json.value);
      if (!parsed.success) return malformed(`not a Harbor CloudEvent: ${describeZodError(parsed.error)}`);
      ({ type, data, id } = parsed.data);
      time = eventTime(parsed.data.time);
    } else {
      const parsed = DefaultSchema.safeParse(json.value);
      if (!parsed.success)
        return malformed(`not a Harbor webhook payload: ${describeZodError(parsed.error)}`);
      ({ type } = parsed.data);
      data = parsed.data.event_data;
      time = eventTime(parsed.data.occur_at);
    }
    const repository = data?.repository?.repo_full_name ?? '(unknown repository)';
    if (!PUSH_TYPES.has(type))
      return ignoredOnly({ reason: 'not-a-push', detail: `${type} of ${repository}` });
    if (!data?.repository || !data.resources)
      return malformed(`a ${type} event without repository or resources`);

    const pushes: ReceivedPush[] = [];
    const ignored: IgnoredEvent[] = [];
    for (const resource of data.resources) {
      // resource_url carries the registry as Harbor's external URL names it, e.g.
      // `harbor.example.com/library/nginx:1.25` or `…/alpine@sha256:…`.
      const registryImage = resource.resource_url ? imageOfReference(resource.resource_url) : undefined;
      if (registryImage === undefined)
        return malformed(`a ${type} resource of ${repository} without a resource_url naming the registry`);
      const registry = registryImage.slice(0, registryImage.indexOf('/'));
      const image = `${registry}/${data.repository.repo_full_name}`;
      if (imageOfReference(image) !== image) return malformed(`"${image}" is not a registry/repository name`);
      const problem = tagProblem(image, resource.tag, resource.digest);
      if (problem) {
        ignored.push(problem);
        continue;
      }
      pushes.push({
        push: { image, tag: resource.tag!, ...usableDigest(resource.digest), ...time },
        ...(id ? { id } : {}),
      });
    }
    return { kind: 'events', pushes, ignored };
  },
};

function ignoredOnly(event: IgnoredEvent): ParseResult {
  return { kind: 'events', pushes: [], ignored: [event] };
}
