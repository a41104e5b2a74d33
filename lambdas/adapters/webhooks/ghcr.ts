/**
 * GitHub Container Registry: GitHub `package` webhooks (a repository or organisation webhook) and
 * `registry_package` (the same payload, delivered to a GitHub App), signed with
 * `X-Hub-Signature-256` (HMAC-SHA256 of the body with the webhook's secret).
 *
 * A container version `published` (or `updated`, when a tag moves to an existing version) with
 * `container_metadata.tag.name` is a tag push. `ping` (sent when the hook is created), other
 * actions, other events and other package types are acknowledged and ignored.
 */
import * as z from 'zod';
import { hubSignatureMatches } from './auth.ts';
import {
  describeZodError,
  eventTime,
  imageOfReference,
  malformed,
  parseJson,
  tagProblem,
  usableDigest,
} from './body.ts';
import type { ParseResult, WebhookProvider, WebhookRequest } from './types.ts';

const PACKAGE_EVENTS = new Set(['package', 'registry_package']);
const PUSH_ACTIONS = new Set(['published', 'updated']);
const CONTAINER_TYPES = new Set(['container', 'docker']);

const PackageSchema = z.looseObject({
  name: z.string().max(256),
  namespace: z.string().max(256).optional(),
  package_type: z.string().max(64),
  owner: z.looseObject({ login: z.string().max(256) }).optional(),
  updated_at: z.string().max(64).nullish(),
  package_version: z
    .looseObject({
      version: z.string().max(256).optional(),
      package_url: z.string().max(2048).nullish(),
      created_at: z.string().max(64).nullish(),
      updated_at: z.string().max(64).nullish(),
      container_metadata: z
        .looseObject({
          tag: z
            .looseObject({ name: z.string().max(256).nullish(), digest: z.string().max(256).nullish() })
            .nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

const GitHubPackageEventSchema = z.looseObject({
  action: z.string().max(64),
  package: PackageSchema.optional(),
  registry_package: PackageSchema.optional(),
});

export const ghcr: WebhookProvider = {
  name: 'ghcr',

  authenticate(request: WebhookRequest, secret: string): boolean {
    return hubSignatureMatches(request.body, request.headers['x-hub-signature-256'], secret);
  },

  parse(request: WebhookRequest): ParseResult {
    const event = request.headers['x-github-event'] ?? '';
    const id = request.headers['x-github-delivery'];
    const json = parseJson(request.body);
    if (!json.ok) return malformed(json.reason);
    if (!PACKAGE_EVENTS.has(event))
      return ignored(
        'other-event',
        event === 'ping'
          ? 'ping: the webhook is configured'
          : `GitHub ${event || 'event without X-GitHub-Event'}`,
      );
    const parsed = GitHubPackageEventSchema.safeParse(json.value);
    if (!parsed.success) return malformed(`not a GitHub ${event} event: ${describeZodError(parsed.error)}`);
    const pkg = parsed.data.package ?? parsed.data.registry_package;
    if (!pkg) return malformed(`a GitHub ${event} event without its package`);
    if (!PUSH_ACTIONS.has(parsed.data.action))
      return ignored('not-a-push', `${parsed.data.action} of package ${pkg.name}`);
    if (!CONTAINER_TYPES.has(pkg.package_type.toLowerCase()))
      return ignored('not-a-container', `${pkg.package_type} package ${pkg.name}`);
    const version = pkg.package_version;
    if (!version)
      return malformed(`a ${parsed.data.action} container package ${pkg.name} without package_version`);
    const image = imageOf(pkg);
    if (image === undefined)
      return malformed(`package ${pkg.name}: no image name (package_url, owner.login)`);
    const tag = version.container_metadata?.tag?.name ?? undefined;
    const digest = version.container_metadata?.tag?.digest ?? undefined;
    const problem = tagProblem(image, tag, digest);
    if (problem) return { kind: 'events', pushes: [], ignored: [problem] };
    return {
      kind: 'events',
      pushes: [
        {
          push: {
            image,
            tag: tag!,
            ...usableDigest(digest),
            ...eventTime(version.updated_at ?? version.created_at ?? pkg.updated_at),
          },
          ...(id ? { id } : {}),
        },
      ],
      ignored: [],
    };
  },
};

/**
 * `package_version.package_url` (`ghcr.io/acme/api:1.2.0`, sometimes with an empty tag after the
 * colon) names the registry too, so GHES's `containers.HOST` works; GHCR names are lowercase
 * whatever the owner's spelling. Without it: `ghcr.io/<owner>/<name>`.
 */
function imageOf(pkg: z.infer<typeof PackageSchema>): string | undefined {
  const url = pkg.package_version?.package_url;
  const fromUrl = url ? imageOfReference(url, true) : undefined;
  if (fromUrl) return fromUrl;
  return pkg.owner ? imageOfReference(`ghcr.io/${pkg.owner.login}/${pkg.name}`, true) : undefined;
}

function ignored(reason: 'other-event' | 'not-a-push' | 'not-a-container', detail: string): ParseResult {
  return { kind: 'events', pushes: [], ignored: [{ reason, detail }] };
}
