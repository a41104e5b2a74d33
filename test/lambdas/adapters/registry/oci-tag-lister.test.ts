import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { staticCredentials } from '../../../../lambdas/adapters/registry/credentials.ts';
import { RegistryError } from '../../../../lambdas/adapters/registry/errors.ts';
import { nextPage, OciTagLister } from '../../../../lambdas/adapters/registry/oci-tag-lister.ts';

interface Loopback {
  readonly host: string;
  readonly requests: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

const TAGS = Array.from({ length: 7 }, (_, i) => `1.0.${i}`);

/**
 * A tiny registry on 127.0.0.1 speaking the distribution API's token flow: 401 with a Bearer
 * challenge, a token service at /token (optionally demanding basic credentials), and tag pages
 * linked with `Link: <…>; rel="next"`.
 */
async function loopbackRegistry(
  options: {
    auth?: 'bearer' | 'basic' | 'none';
    user?: { username: string; password: string };
    tags?: string[];
    expiresIn?: number;
    respond?: (
      req: IncomingMessage,
    ) => { status: number; body?: string; headers?: Record<string, string> } | undefined;
  } = {},
): Promise<Loopback> {
  const requests: Loopback['requests'] = [];
  const tags = options.tags ?? TAGS;
  const issued = new Set<string>();
  let tokenCount = 0;
  const basic = options.user
    ? `Basic ${Buffer.from(`${options.user.username}:${options.user.password}`).toString('base64')}`
    : undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    requests.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    const send = (status: number, body = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    const special = options.respond?.(req);
    if (special) return send(special.status, special.body, special.headers);
    if (url.pathname === '/token') {
      if (
        url.searchParams.get('service') !== 'loopback-registry' ||
        url.searchParams.get('scope') !== 'repository:shop/api:pull'
      )
        return send(400, '{"details":"bad service or scope"}');
      if (basic && req.headers.authorization !== basic)
        return send(401, '{"details":"incorrect username or password"}');
      const token = `token-${++tokenCount}`;
      issued.add(token);
      return send(
        200,
        JSON.stringify({ token, ...(options.expiresIn ? { expires_in: options.expiresIn } : {}) }),
      );
    }
    const match = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (!match) return send(404);
    const auth = options.auth ?? 'bearer';
    const authorization = req.headers.authorization ?? '';
    const ok =
      auth === 'none' ||
      (auth === 'bearer' && issued.has(authorization.replace(/^Bearer /, ''))) ||
      (auth === 'basic' && authorization === basic);
    if (!ok)
      return send(401, '{"errors":[{"code":"UNAUTHORIZED"}]}', {
        'www-authenticate':
          auth === 'bearer'
            ? `Bearer realm="http://${req.headers.host}/token",service="loopback-registry",scope="repository:${match[1]}:pull"`
            : 'Basic realm="Registry Realm"',
      });
    if (match[1] !== 'shop/api') return send(404, '{"errors":[{"code":"NAME_UNKNOWN"}]}');
    const n = Number(url.searchParams.get('n') ?? tags.length);
    const last = url.searchParams.get('last');
    const start = last === null ? 0 : tags.indexOf(last) + 1;
    const page = tags.slice(start, start + n);
    const more = start + n < tags.length;
    send(
      200,
      JSON.stringify({ name: match[1], tags: page }),
      more ? { link: `</v2/${match[1]}/tags/list?last=${page.at(-1)}&n=${n}>; rel="next"` } : {},
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let registry: Loopback | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

const tagsOf = (list: readonly { tag: string }[]) => list.map((t) => t.tag);
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as RegistryError,
  );

describe('OciTagLister', () => {
  it('anonymous token flow: 401 challenge → token from the realm → every page through Link', async () => {
    registry = await loopbackRegistry();
    const lister = new OciTagLister({ pageSize: 3 });
    expect(tagsOf(await lister.listTags(`${registry.host}/shop/api`))).toEqual(TAGS);
    expect(registry.requests.map((r) => r.path)).toEqual([
      '/v2/shop/api/tags/list?n=3',
      '/token?service=loopback-registry&scope=repository%3Ashop%2Fapi%3Apull',
      '/v2/shop/api/tags/list?n=3',
      '/v2/shop/api/tags/list?last=1.0.2&n=3',
      '/v2/shop/api/tags/list?last=1.0.5&n=3',
    ]);
    expect(registry.requests[1]!.authorization).toBeUndefined();
  });

  it('reuses the token until it expires, then asks for a new one', async () => {
    let now = 0;
    registry = await loopbackRegistry({ expiresIn: 300 });
    const lister = new OciTagLister({ now: () => now });
    await lister.listTags(`${registry.host}/shop/api`);
    await lister.listTags(`${registry.host}/shop/api`);
    const tokenRequests = () => registry!.requests.filter((r) => r.path.startsWith('/token')).length;
    expect(tokenRequests()).toBe(1);
    now += 300_000;
    await lister.listTags(`${registry.host}/shop/api`);
    expect(tokenRequests()).toBe(2);
  });

  it('sends the configured credentials to the token service; without them the token is refused', async () => {
    const user = { username: 'robot$ci', password: 'p4ss' };
    registry = await loopbackRegistry({ user });
    const withCredentials = new OciTagLister({
      credentials: staticCredentials(new Map([[registry.host, user]])),
    });
    expect(tagsOf(await withCredentials.listTags(`${registry.host}/shop/api`))).toEqual(TAGS);
    const anonymous = await errorOf(new OciTagLister().listTags(`${registry.host}/shop/api`));
    expect(anonymous).toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', retryable: false });
  });

  it('a Basic challenge uses the configured credentials, and fails clearly without them', async () => {
    const user = { username: 'reader', password: 'secret' };
    registry = await loopbackRegistry({ auth: 'basic', user });
    const lister = new OciTagLister({ credentials: staticCredentials(new Map([[registry.host, user]])) });
    expect(tagsOf(await lister.listTags(`${registry.host}/shop/api`))).toEqual(TAGS);
    const error = await errorOf(new OciTagLister().listTags(`${registry.host}/shop/api`));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
    expect(error!.message).toContain('none are configured');
  });

  it.each([
    ['an unknown repository', 'shop/nope', undefined, 'REGISTRY_NOT_FOUND', false],
    ['throttling', 'shop/api', 429, 'REGISTRY_THROTTLED', true],
    ['a 503', 'shop/api', 503, 'REGISTRY_UNAVAILABLE', true],
    ['a 400', 'shop/api', 400, 'REGISTRY_REQUEST_FAILED', false],
  ])('%s → %s (retryable: %s)', async (_what, path, status, code, retryable) => {
    registry = await loopbackRegistry({
      auth: 'none',
      ...(status
        ? { respond: (req: IncomingMessage) => (req.url!.startsWith('/v2/') ? { status } : undefined) }
        : {}),
    });
    const error = await errorOf(new OciTagLister().listTags(`${registry.host}/${path}`));
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code, retryable });
  });

  it('a registry that does not answer → REGISTRY_UNAVAILABLE, retryable', async () => {
    registry = await loopbackRegistry();
    const host = registry.host;
    await registry.close();
    registry = undefined;
    expect(await errorOf(new OciTagLister({ timeoutMs: 2000 }).listTags(`${host}/shop/api`))).toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      retryable: true,
    });
  });

  it('never follows a next page to another host (the token stays with its registry)', async () => {
    registry = await loopbackRegistry({
      auth: 'none',
      respond: () => ({
        status: 200,
        body: '{"tags":["a"]}',
        headers: { link: '<https://evil.example.com/v2/shop/api/tags/list?last=a>; rel="next"' },
      }),
    });
    expect(await errorOf(new OciTagLister().listTags(`${registry.host}/shop/api`))).toMatchObject({
      code: 'REGISTRY_BAD_RESPONSE',
    });
  });

  it('not JSON → REGISTRY_BAD_RESPONSE; a runaway listing stops at maxPages', async () => {
    registry = await loopbackRegistry({ auth: 'none', respond: () => ({ status: 200, body: '<html>' }) });
    expect(await errorOf(new OciTagLister().listTags(`${registry.host}/shop/api`))).toMatchObject({
      code: 'REGISTRY_BAD_RESPONSE',
    });
    await registry.close();
    registry = await loopbackRegistry({ auth: 'none' });
    expect(
      await errorOf(new OciTagLister({ pageSize: 1, maxPages: 3 }).listTags(`${registry.host}/shop/api`)),
    ).toMatchObject({
      code: 'REGISTRY_TOO_MANY_TAGS',
    });
  });

  it('speaks HTTPS to real registries, Docker Hub at registry-1.docker.io, and refuses a plain-HTTP token realm', async () => {
    const urls: string[] = [];
    const fetch = (async (input: URL | string) => {
      urls.push(String(input));
      if (String(input).includes('ghcr.io'))
        return new Response('{}', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer realm="http://ghcr.io/token",service="ghcr.io"' },
        });
      return new Response('{"name":"library/nginx","tags":["1.27.0"]}', { status: 200 });
    }) as typeof globalThis.fetch;
    const lister = new OciTagLister({ fetch });
    expect(tagsOf(await lister.listTags('nginx'))).toEqual(['1.27.0']);
    expect(urls).toEqual(['https://registry-1.docker.io/v2/library/nginx/tags/list?n=1000']);
    expect(await errorOf(lister.listTags('ghcr.io/acme/api'))).toMatchObject({
      code: 'REGISTRY_BAD_RESPONSE',
    });
  });

  it('takes every registry but ECR', () => {
    const lister = new OciTagLister();
    expect(lister.supports('ghcr.io/acme/api')).toBe(true);
    expect(lister.supports('registry.example.com:5000/shop/api')).toBe(true);
    expect(lister.supports('nginx')).toBe(true);
    expect(lister.supports('123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api')).toBe(false);
    expect(lister.supports('not an image')).toBe(false);
  });

  it.each([
    ['</v2/a/tags/list?last=x&n=2>; rel="next"', 'http://r:5000/v2/a/tags/list?last=x&n=2'],
    ['<http://r:5000/v2/a/tags/list?last=y>; rel=next', 'http://r:5000/v2/a/tags/list?last=y'],
    ['</prev>; rel="prev", </v2/next>; rel="next"', 'http://r:5000/v2/next'],
    ['</v2/a>; rel="first"', undefined],
  ])('Link %s', (link, expected) => {
    expect(nextPage(link, new URL('http://r:5000/v2/a/tags/list?n=2'))?.toString()).toBe(expected);
  });
});
