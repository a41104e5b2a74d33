/**
 * One conversation with OCI distribution registries (every registry but ECR): where an image's
 * API is, and a GET that authorises itself. A 401 answers with a `WWW-Authenticate` challenge:
 * `Bearer` → a token from the challenge's realm for `repository:<name>:pull` (with the
 * registry's basic credentials when configured, anonymous otherwise), cached until it expires;
 * `Basic` → the configured credentials. The tag lister and the image reader share it, so a
 * token fetched for one serves the other.
 */
import * as z from 'zod';
import { canonicalImageName } from '../../core/image/reference.ts';
import type { BasicCredentials, CredentialsLookup } from './credentials.ts';
import { RegistryError } from './errors.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

export interface OciSessionOptions {
  readonly credentials?: CredentialsLookup;
  readonly fetch?: typeof fetch;
  /**
   * Registries spoken to over plain HTTP (and token realms allowed over HTTP).
   * @default loopback hosts only: localhost, 127.0.0.0/8, [::1]
   */
  readonly plainHttp?: (host: string) => boolean;
  /** Per request. @default 10_000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export interface Location {
  /** Registry host as images name it (`docker.io`, `registry.example.com:5000`). */
  readonly host: string;
  /** Where the API is (`registry-1.docker.io` for Docker Hub). */
  readonly origin: string;
  readonly path: string;
}

const TokenSchema = z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
});

function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(name) || name === '[::1]';
}

export class OciSession {
  private readonly auth = new Map<string, { readonly header: string; readonly expiresAt: number }>();
  private readonly fetch: typeof fetch;
  private readonly plainHttp: (host: string) => boolean;
  private readonly now: () => number;

  constructor(private readonly options: OciSessionOptions = {}) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.plainHttp = options.plainHttp ?? isLoopbackHost;
    this.now = options.now ?? Date.now;
  }

  /** Where the API of `image` is; undefined when it is not a registry/repository name. */
  locate(image: string): Location | undefined {
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
  async get(url: URL, location: Location, image: string, accept = 'application/json'): Promise<Response> {
    const scope = `repository:${location.path}:pull`;
    const key = `${location.host} ${scope}`;
    const cached = this.auth.get(key);
    let authorization = cached && cached.expiresAt > this.now() ? cached.header : undefined;
    let response = await this.request(url, authorization, image, accept);
    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate');
      await response.body?.cancel();
      authorization = await this.authorize(challenge, location, scope, key, image);
      response = await this.request(url, authorization, image, accept);
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

  private async request(
    url: URL,
    authorization: string | undefined,
    image: string,
    accept: string,
  ): Promise<Response> {
    try {
      return await this.fetch(url, {
        headers: { accept, ...(authorization ? { authorization } : {}) },
        redirect: 'follow',
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
