/**
 * Tag listing through the OCI distribution API (SPEC §7), for every registry but ECR:
 * `GET /v2/<name>/tags/list?n=…`, following `Link: <…>; rel="next"` pages. A 401 answers with a
 * `WWW-Authenticate` challenge: `Bearer` → a token from the challenge's realm for
 * `repository:<name>:pull` (with the registry's basic credentials when configured, anonymous
 * otherwise), cached until it expires; `Basic` → the configured credentials.
 *
 * `tags/list` returns names only: no digest, no push time. So `newest` cannot order listed tags
 * from these registries (they are skipped as having no push time) and decides from the pushes'
 * event times alone; `digest` gets the digest from the push event.
 */
import * as z from 'zod';
import { canonicalImageName } from '../../core/image/reference.ts';
import type { TagCandidate } from '../../core/tags/index.ts';
import type { TagLister } from '../../ports/tag-lister.ts';
import { parseEcrImage } from '../ecr/image.ts';
import type { BasicCredentials, CredentialsLookup } from './credentials.ts';
import { RegistryError } from './errors.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

export interface OciTagListerOptions {
  readonly credentials?: CredentialsLookup;
  readonly fetch?: typeof fetch;
  /**
   * Registries spoken to over plain HTTP (and token realms allowed over HTTP).
   * @default loopback hosts only: localhost, 127.0.0.0/8, [::1]
   */
  readonly plainHttp?: (host: string) => boolean;
  /** Which images this lister takes. @default every image whose registry is not ECR */
  readonly supports?: (image: string) => boolean;
  /** `n` per page. @default 1000 */
  readonly pageSize?: number;
  /** A guard against a runaway listing. @default 100 */
  readonly maxPages?: number;
  /** Per request. @default 10_000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

interface Location {
  /** Registry host as images name it (`docker.io`, `registry.example.com:5000`). */
  readonly host: string;
  /** Where the API is (`registry-1.docker.io` for Docker Hub). */
  readonly origin: string;
  readonly path: string;
}

const TagsListSchema = z.looseObject({
  name: z.string().optional(),
  tags: z.array(z.string()).nullable().optional(),
});

const TokenSchema = z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
});

function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(name) || name === '[::1]';
}

export class OciTagLister implements TagLister {
  private readonly auth = new Map<string, { readonly header: string; readonly expiresAt: number }>();
  private readonly fetch: typeof fetch;
  private readonly plainHttp: (host: string) => boolean;
  private readonly now: () => number;

  constructor(private readonly options: OciTagListerOptions = {}) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.plainHttp = options.plainHttp ?? isLoopbackHost;
    this.now = options.now ?? Date.now;
  }

  supports(image: string): boolean {
    if (this.locate(image) === undefined || parseEcrImage(image) !== undefined) return false;
    return this.options.supports?.(image) ?? true;
  }

  async listTags(image: string): Promise<readonly TagCandidate[]> {
    const location = this.locate(image);
    if (!location)
      throw new RegistryError('REGISTRY_NOT_SUPPORTED', `${image} is not a registry/repository name`);
    const pageSize = this.options.pageSize ?? 1000;
    const maxPages = this.options.maxPages ?? 100;
    const seen = new Set<string>();
    const tags: TagCandidate[] = [];
    let url: URL | undefined = new URL(`${location.origin}/v2/${location.path}/tags/list?n=${pageSize}`);
    for (let page = 1; url; page += 1) {
      if (page > maxPages)
        throw new RegistryError(
          'REGISTRY_TOO_MANY_TAGS',
          `${image}: more than ${maxPages} pages of tags; listing stopped`,
        );
      const response = await this.get(url, location, image);
      const text = await response.text();
      let body: z.infer<typeof TagsListSchema>;
      try {
        body = TagsListSchema.parse(JSON.parse(text));
      } catch (error) {
        throw new RegistryError(
          'REGISTRY_BAD_RESPONSE',
          `${image}: tags/list answered something other than {"tags": [...]}`,
          {
            cause: error,
          },
        );
      }
      for (const tag of body.tags ?? []) {
        if (seen.has(tag)) continue;
        seen.add(tag);
        tags.push({ tag });
      }
      url = nextPage(response.headers.get('link'), url, image);
    }
    return tags;
  }

  private locate(image: string): Location | undefined {
    const canonical = canonicalImageName(image);
    if (canonical === undefined) return undefined;
    const slash = canonical.indexOf('/');
    const host = canonical.slice(0, slash);
    const apiHost = host === 'docker.io' ? 'registry-1.docker.io' : host;
    return {
      host,
      origin: `${this.plainHttp(host) ? 'http' : 'https'}://${apiHost}`,
      path: canonical.slice(slash + 1),
    };
  }

  /** One API request, authorising once when the registry challenges. */
  private async get(url: URL, location: Location, image: string): Promise<Response> {
    const scope = `repository:${location.path}:pull`;
    const key = `${location.host} ${scope}`;
    const cached = this.auth.get(key);
    let authorization = cached && cached.expiresAt > this.now() ? cached.header : undefined;
    let response = await this.request(url, authorization, image);
    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate');
      await response.body?.cancel();
      authorization = await this.authorize(challenge, location, scope, key, image);
      response = await this.request(url, authorization, image);
      if (response.status === 401) {
        this.auth.delete(key);
        await response.body?.cancel();
        throw new RegistryError('REGISTRY_UNAUTHORIZED', `${image}: the registry refused the credentials`);
      }
    }
    if (response.ok) return response;
    await response.body?.cancel();
    throw statusError(response.status, `${image}: GET ${url.pathname} answered ${response.status}`);
  }

  private async authorize(
    header: string | null,
    location: Location,
    scope: string,
    key: string,
    image: string,
  ): Promise<string> {
    const challenges = parseWwwAuthenticate(header);
    const credentials = await this.options.credentials?.(location.host);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const { token, expiresIn } = await this.token(bearer.params, scope, credentials, image);
      const authorization = `Bearer ${token}`;
      // Renewed a little early, so a token never expires between the check and the request.
      this.auth.set(key, {
        header: authorization,
        expiresAt: this.now() + Math.max(0, expiresIn - 10) * 1000,
      });
      return authorization;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!credentials)
        throw new RegistryError(
          'REGISTRY_UNAUTHORIZED',
          `${image}: ${location.host} asks for credentials and none are configured for it`,
        );
      const authorization = basic(credentials);
      this.auth.set(key, { header: authorization, expiresAt: Number.POSITIVE_INFINITY });
      return authorization;
    }
    throw new RegistryError('REGISTRY_UNAUTHORIZED', `${image}: 401 without a Bearer or Basic challenge`);
  }

  private async token(
    params: Readonly<Record<string, string>>,
    scope: string,
    credentials: BasicCredentials | undefined,
    image: string,
  ): Promise<{ token: string; expiresIn: number }> {
    let realm: URL;
    try {
      realm = new URL(params.realm ?? '');
    } catch {
      throw new RegistryError('REGISTRY_BAD_RESPONSE', `${image}: the Bearer challenge has no usable realm`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.plainHttp(realm.host)))
      throw new RegistryError(
        'REGISTRY_BAD_RESPONSE',
        `${image}: the token realm ${realm.origin} is not HTTPS`,
      );
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? scope);
    let response: Response;
    try {
      response = await this.fetch(realm, {
        headers: {
          accept: 'application/json',
          ...(credentials ? { authorization: basic(credentials) } : {}),
        },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new RegistryError(
        'REGISTRY_UNAVAILABLE',
        `${image}: the token service ${realm.origin} did not answer`,
        {
          retryable: true,
          cause: error,
        },
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      if (response.status === 401 || response.status === 403)
        throw new RegistryError(
          'REGISTRY_UNAUTHORIZED',
          `${image}: the token service refused ${credentials ? 'the credentials' : 'anonymous access'} (${response.status})`,
        );
      throw statusError(response.status, `${image}: the token service answered ${response.status}`);
    }
    let body: z.infer<typeof TokenSchema>;
    try {
      body = TokenSchema.parse(await response.json());
    } catch (error) {
      throw new RegistryError('REGISTRY_BAD_RESPONSE', `${image}: the token service did not answer JSON`, {
        cause: error,
      });
    }
    const token = body.token ?? body.access_token;
    if (!token)
      throw new RegistryError('REGISTRY_BAD_RESPONSE', `${image}: the token service answered no token`);
    // The distribution token spec's default lifetime is 60 s.
    return { token, expiresIn: body.expires_in ?? 60 };
  }

  private async request(url: URL, authorization: string | undefined, image: string): Promise<Response> {
    try {
      return await this.fetch(url, {
        headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new RegistryError('REGISTRY_UNAVAILABLE', `${image}: ${url.host} did not answer`, {
        retryable: true,
        cause: error,
      });
    }
  }
}

function basic(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function statusError(status: number, message: string): RegistryError {
  if (status === 404) return new RegistryError('REGISTRY_NOT_FOUND', message);
  if (status === 403) return new RegistryError('REGISTRY_UNAUTHORIZED', message);
  if (status === 429) return new RegistryError('REGISTRY_THROTTLED', message, { retryable: true });
  if (status >= 500) return new RegistryError('REGISTRY_UNAVAILABLE', message, { retryable: true });
  return new RegistryError('REGISTRY_REQUEST_FAILED', message);
}

/**
 * The `rel="next"` target of a `Link` header, resolved against the page it came with. Only on
 * the same origin: the authorization of this registry never goes to another host.
 */
export function nextPage(link: string | null, current: URL, image = ''): URL | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match || !/;\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(match[2]!)) continue;
    let next: URL;
    try {
      next = new URL(match[1]!, current);
    } catch {
      throw new RegistryError('REGISTRY_BAD_RESPONSE', `${image}: a Link header that is not a URL`);
    }
    if (next.origin !== current.origin)
      throw new RegistryError(
        'REGISTRY_BAD_RESPONSE',
        `${image}: the next page is on another host (${next.origin})`,
      );
    return next;
  }
  return undefined;
}
