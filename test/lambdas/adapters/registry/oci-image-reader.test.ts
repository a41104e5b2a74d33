/**
 * The OCI image reader against a registry on loopback that answers what the test says: the
 * referrers API when it has one (and its fallback tag when it does not), 404 as "none", and
 * answers a registry must not give (bytes of another digest, oversized bodies) as errors with
 * a stable code. The happy paths against the real registry are in test/e2e/signature.e2e.test.ts.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OciImageReader } from '../../../../lambdas/adapters/registry/oci-image-reader.ts';
import { OciSession } from '../../../../lambdas/adapters/registry/oci-session.ts';
import { OciTagLister } from '../../../../lambdas/adapters/registry/oci-tag-lister.ts';

type Answer = { status: number; body?: string | Buffer; headers?: Record<string, string> };

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function registry(answer: (path: string, authorization?: string) => Answer): Promise<string> {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const a = answer(`${url.pathname}${url.search}`, req.headers.authorization);
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body ?? '');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const index = (entries: object[]) => JSON.stringify({ schemaVersion: 2, manifests: entries });
const entry = (artifactType: string, n: number) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 10,
  artifactType,
});

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('OciImageReader', () => {
  it('reads a manifest by tag with its digest and media type; 404 is undefined', async () => {
    const body = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}';
    const host = await registry((path) =>
      path === '/v2/shop/api/manifests/1.0.0'
        ? { status: 200, body, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }
        : { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' },
    );
    const reader = new OciImageReader();
    expect(await reader.manifest(`${host}/shop/api`, '1.0.0')).toMatchObject({
      digest: sha(body),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(await reader.manifest(`${host}/shop/api`, '9.9.9')).toBeUndefined();
    expect(await reader.blob(`${host}/shop/api`, DIGEST, 100)).toBeUndefined();
  });

  it.each<[string, (host: string) => Promise<unknown>, Answer, string]>([
    [
      'a manifest asked by digest that has another',
      (host) => new OciImageReader().manifest(`${host}/shop/api`, DIGEST),
      { status: 200, body: '{"other":true}' },
      'IMAGE_READ_BAD_RESPONSE',
    ],
    [
      'a blob whose bytes are not its digest',
      (host) => new OciImageReader().blob(`${host}/shop/api`, DIGEST, 1024),
      { status: 200, body: 'tampered' },
      'IMAGE_READ_BAD_RESPONSE',
    ],
    [
      'a blob larger than asked for',
      (host) => new OciImageReader().blob(`${host}/shop/api`, DIGEST, 1024),
      { status: 200, body: Buffer.alloc(4096) },
      'IMAGE_READ_TOO_LARGE',
    ],
    [
      'a registry that fails',
      (host) => new OciImageReader().manifest(`${host}/shop/api`, '1.0.0'),
      { status: 503 },
      'IMAGE_READ_UNAVAILABLE',
    ],
    [
      'a registry that refuses',
      (host) => new OciImageReader().manifest(`${host}/shop/api`, '1.0.0'),
      { status: 403 },
      'IMAGE_READ_UNAUTHORIZED',
    ],
    [
      'a referrers index that is not JSON',
      (host) => new OciImageReader().referrers(`${host}/shop/api`, DIGEST),
      { status: 200, body: '<html>' },
      'IMAGE_READ_BAD_RESPONSE',
    ],
  ])('%s: an error with a stable code', async (_name, call, answer, code) => {
    const host = await registry(() => answer);
    expect(await errorOf(call(host))).toMatchObject({ code });
  });

  it('lists referrers through the API, filtered by artifact type (whether or not the registry filtered)', async () => {
    const host = await registry((path) =>
      path.startsWith(`/v2/shop/api/referrers/${DIGEST}`)
        ? { status: 200, body: index([entry(BUNDLE, 1), entry('application/spdx+json', 2), { junk: true }]) }
        : { status: 404 },
    );
    const found = await new OciImageReader().referrers(`${host}/shop/api`, DIGEST, BUNDLE);
    expect(found.map((d) => d.artifactType)).toEqual([BUNDLE]);
  });

  it.each([404, 400, 405])(
    'falls back to the referrers tag schema (sha256-<hex>) where the registry has no referrers API (%i)',
    async (status) => {
      const fallback = index([entry(BUNDLE, 3)]);
      const host = await registry((path) =>
        path === `/v2/shop/api/manifests/sha256-${'a'.repeat(64)}`
          ? { status: 200, body: fallback }
          : { status: path.includes('/referrers/') ? status : 404 },
      );
      expect(await new OciImageReader().referrers(`${host}/shop/api`, DIGEST, BUNDLE)).toHaveLength(1);
    },
  );

  it('asks the referrers API first, then the referrers tag', async () => {
    const fallback = index([entry(BUNDLE, 3)]);
    const asked: string[] = [];
    const host = await registry((path) => {
      asked.push(path);
      return path === `/v2/shop/api/manifests/sha256-${'a'.repeat(64)}`
        ? { status: 200, body: fallback }
        : { status: 404 };
    });
    const found = await new OciImageReader().referrers(`${host}/shop/api`, DIGEST, BUNDLE);
    expect(found).toHaveLength(1);
    expect(asked).toEqual([
      `/v2/shop/api/referrers/${DIGEST}?artifactType=${encodeURIComponent(BUNDLE)}`,
      `/v2/shop/api/manifests/sha256-${'a'.repeat(64)}`,
    ]);
  });

  it('shares one token with the tag lister: one token request for a listing and a read', async () => {
    let tokens = 0;
    const host = await registry((path, authorization) => {
      if (path.startsWith('/token')) return { status: 200, body: JSON.stringify({ token: `t${++tokens}` }) };
      if (authorization !== 'Bearer t1')
        return {
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="http://${host}/token",service="r"` },
        };
      if (path.startsWith('/v2/shop/api/tags/list')) return { status: 200, body: '{"tags":["1.0.0"]}' };
      return { status: 200, body: '{"schemaVersion":2}' };
    });
    const session = new OciSession();
    await new OciTagLister({ session }).listTags(`${host}/shop/api`);
    await new OciImageReader(session).manifest(`${host}/shop/api`, '1.0.0');
    expect(tokens).toBe(1);
  });
});
