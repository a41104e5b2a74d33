/**
 * Docker Hub repository webhooks: `{ "push_data": { "tag", "pushed_at" }, "repository": { "repo_name" }, "callback_url" }`.
 * Docker Hub signs nothing and sends no configurable header, so the shared secret rides in the
 * webhook URL (`…/webhooks/dockerhub?secret=<secret>`); a proxy in front may send it as
 * `Authorization: Bearer <secret>` instead. The payload has no digest.
 */
import * as z from 'zod';
import { constantTimeEqual, sharedSecretMatches } from './auth.ts';
import { describeZodError, eventTime, imageOfReference, malformed, parseJson, tagProblem } from './body.ts';
import type { ParseResult, WebhookProvider, WebhookRequest } from './types.ts';

const DockerHubPayloadSchema = z.looseObject({
  callback_url: z.string().max(2048).optional(),
  push_data: z.looseObject({
    tag: z.string().max(256).optional(),
    pushed_at: z.number().optional(),
    pusher: z.string().max(256).optional(),
  }),
  repository: z.looseObject({
    repo_name: z.string().max(256),
    namespace: z.string().max(256).optional(),
    name: z.string().max(256).optional(),
  }),
});

export const dockerhub: WebhookProvider = {
  name: 'dockerhub',

  authenticate(request: WebhookRequest, secret: string): boolean {
    const query = request.query.secret;
    // Both checks run, so which one a request uses does not show in its timing.
    const byQuery = secret !== '' && query !== undefined && constantTimeEqual(query, secret);
    const byHeader = sharedSecretMatches(request.headers.authorization, secret);
    return byQuery || byHeader;
  },

  parse(request: WebhookRequest): ParseResult {
    const json = parseJson(request.body);
    if (!json.ok) return malformed(json.reason);
    const parsed = DockerHubPayloadSchema.safeParse(json.value);
    if (!parsed.success)
      return malformed(`not a Docker Hub webhook payload: ${describeZodError(parsed.error)}`);
    const { push_data: data, repository } = parsed.data;
    const image = imageOfReference(`docker.io/${repository.repo_name}`);
    if (image === undefined)
      return malformed(`"${repository.repo_name}" is not a Docker Hub repository name`);
    const problem = tagProblem(image, data.tag);
    if (problem) return { kind: 'events', pushes: [], ignored: [problem] };
    return {
      kind: 'events',
      pushes: [{ push: { image, tag: data.tag!, ...eventTime(data.pushed_at) } }],
      ignored: [],
    };
  },
};
