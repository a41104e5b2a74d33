import { describe, expect, it } from 'vitest';
import { corpusEvent } from '../../../support/corpus.ts';
import { bearer, DIGEST_A, DIGEST_B, reasons, SECRET, webhookRig } from './rig.ts';

const SAMPLE = corpusEvent('distribution-notification-push.json') as { events: Record<string, unknown>[] };
const SAMPLE_EVENT = SAMPLE.events[0]!;
const V1 = 'application/vnd.docker.distribution.events.v1+json';
const V2 = 'application/vnd.docker.distribution.events.v2+json';

/** The documentation's event with its target changed (a tag, another media type, …). */
function event(target: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    ...SAMPLE_EVENT,
    ...extra,
    target: { ...(SAMPLE_EVENT.target as object), ...target },
  };
}

/** What registry 2.8 sent for a real `skopeo copy` to 127.0.0.1:5198 (captured from a delivery). */
function realPush(tag: string, mediaType = 'application/vnd.oci.image.manifest.v1+json') {
  return {
    id: 'e5d484ab-99df-429a-9635-b857eb85b8ec',
    timestamp: '2026-11-22T04:50:03.917962479Z',
    action: 'push',
    target: {
      mediaType,
      size: 400,
      digest: DIGEST_A,
      length: 400,
      repository: 'shop/api',
      url: `http://127.0.0.1:5198/v2/shop/api/manifests/${DIGEST_A}`,
      tag,
    },
    request: {
      id: 'r1',
      addr: '127.0.0.1:43764',
      host: '127.0.0.1:5198',
      method: 'PUT',
      useragent: 'skopeo/1.9.3',
    },
    actor: {},
    source: { addr: 'vm:5198', instanceID: 'af38b4e2' },
  };
}

const envelope = (...events: object[]) => ({ events });
const headers = (contentType = V1, secret = SECRET) => ({ ...bearer(secret), 'content-type': contentType });

describe('POST /webhooks/distribution', () => {
  it.each([
    ['registry 2.x', V1],
    ['registry 3.x', V2],
    ['a proxy that rewrote the content type', 'application/json'],
  ])(
    'a tagged manifest push (%s) is accepted and queued as the worker reads it',
    async (_what, contentType) => {
      const rig = webhookRig();
      const response = await rig.post('distribution', envelope(event({ tag: '1.4.2' })), {
        headers: headers(contentType),
      });
      expect(response.status).toBe(202);
      expect(response.json).toMatchObject({
        status: 'accepted',
        accepted: [{ image: 'example.com/library/test', tag: '1.4.2' }],
      });
      expect(rig.received).toEqual([
        {
          source: 'distribution',
          id: 'asdf-asdf-asdf-asdf-0',
          push: {
            image: 'example.com/library/test',
            tag: '1.4.2',
            digest: 'sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf',
            pushedAt: new Date('2006-01-02T15:04:05Z'),
          },
        },
      ]);
    },
  );

  it('reads what registry 2.8 really sends: OCI manifest, nanosecond timestamp, loopback host with port', async () => {
    const rig = webhookRig();
    const response = await rig.post('distribution', envelope(realPush('2.0.1')), { headers: headers() });
    expect(response.status).toBe(202);
    expect(rig.received.map((r) => r.push)).toEqual([
      {
        image: '127.0.0.1:5198/shop/api',
        tag: '2.0.1',
        digest: DIGEST_A,
        pushedAt: new Date('2026-11-22T04:50:03.917Z'),
      },
    ]);
  });

  it('takes every tagged manifest push of an envelope, whatever the order, and says what it ignored', async () => {
    const rig = webhookRig();
    const layer = {
      ...realPush(''),
      target: { ...realPush('').target, mediaType: 'application/octet-stream', tag: undefined },
    };
    const index = realPush('1.1.0', 'application/vnd.oci.image.index.v1+json');
    const child = { ...realPush(''), target: { ...realPush('').target, tag: undefined, digest: DIGEST_B } };
    const docker = realPush('1.0.0', 'application/vnd.docker.distribution.manifest.v2+json');
    const response = await rig.post('distribution', envelope(layer, index, child, docker), {
      headers: headers(V2),
    });
    expect(response.status).toBe(202);
    expect(rig.received.map((r) => r.push.tag)).toEqual(['1.1.0', '1.0.0']);
    expect(reasons(response)).toEqual(['not-a-manifest', 'untagged']);
  });

  it.each([
    ['the documentation sample (pushed by digest: no target.tag)', envelope(SAMPLE_EVENT), ['untagged']],
    [
      'a layer blob push',
      envelope(event({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', tag: undefined })),
      ['not-a-manifest'],
    ],
    [
      'a blob push as registry 2.x reports it',
      envelope(event({ mediaType: 'application/octet-stream' })),
      ['not-a-manifest'],
    ],
    ['a pull', envelope(event({ tag: '1.0.0' }, { action: 'pull' })), ['not-a-push']],
    [
      'a delete',
      envelope({
        ...SAMPLE_EVENT,
        action: 'delete',
        target: { repository: 'library/test', digest: DIGEST_A },
      }),
      ['not-a-push'],
    ],
    [
      'a mount',
      envelope(event({ mediaType: 'application/octet-stream', fromRepository: 'x/y' }, { action: 'mount' })),
      ['not-a-push'],
    ],
    ['a cosign attestation tag', envelope(event({ tag: `sha256-${'a'.repeat(64)}.att` })), ['referrer-tag']],
    ['an empty envelope', envelope(), []],
  ])('%s → 200 ignored with the reason, nothing queued', async (_what, body, expected) => {
    const rig = webhookRig();
    const response = await rig.post('distribution', body, { headers: headers() });
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('ignored');
    expect(reasons(response)).toEqual(expected);
    expect(rig.received).toEqual([]);
  });

  it.each([
    ['no Authorization header', {}],
    ['another secret', bearer('correct-horse-battery-staple-43')],
    ['the secret as a prefix only', bearer(SECRET.slice(0, -1))],
    ['the secret with more after it', bearer(`${SECRET}x`)],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['basic auth', { authorization: `Basic ${Buffer.from(`x:${SECRET}`).toString('base64')}` }],
  ])('%s → 401 and nothing queued', async (_what, auth) => {
    const rig = webhookRig();
    const response = await rig.post('distribution', envelope(event({ tag: '1.4.2' })), {
      headers: { ...auth, 'content-type': V1 },
    });
    expect(response.status).toBe(401);
    expect(rig.received).toEqual([]);
    expect(rig.log.text()).not.toContain(SECRET.slice(0, 10));
  });

  it('accepts the bare secret too (some registries and proxies send the header value verbatim)', async () => {
    const rig = webhookRig();
    const response = await rig.post('distribution', envelope(event({ tag: '1.4.2' })), {
      headers: { authorization: SECRET },
    });
    expect(response.status).toBe(202);
  });

  it.each([
    ['not JSON', '{"events": ['],
    ['no events array', { event: [] }],
    ['events is not a list', { events: {} }],
    ['an event without an action', envelope({ target: { tag: '1.0.0' } })],
  ])('%s → 400, nothing queued', async (_what, body) => {
    const rig = webhookRig();
    const response = await rig.post('distribution', body, { headers: headers() });
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('malformed');
    expect(rig.received).toEqual([]);
  });

  it.each([
    ['a tagged manifest push without a repository', event({ tag: '1.0.0', repository: undefined })],
    ['a repository name that is not one', event({ tag: '1.0.0', repository: 'Shop/API' })],
    ['a push that names no registry host', { ...event({ tag: '1.0.0', url: undefined }), request: {} }],
  ])('%s is ignored with its reason; the good push beside it is still queued', async (_what, bad) => {
    const rig = webhookRig();
    const response = await rig.post('distribution', envelope(bad, event({ tag: '1.4.2' })), {
      headers: headers(),
    });
    expect(response.status).toBe(202);
    expect(rig.received.map((p) => p.push.tag)).toEqual(['1.4.2']);
    expect(JSON.stringify(response.json)).toContain('malformed-event');
  });

  it('an envelope of only unreadable events is answered 200 (ignored), so the registry does not redeliver it forever', async () => {
    const rig = webhookRig();
    const response = await rig.post(
      'distribution',
      envelope(event({ tag: '1.0.0', repository: 'Shop/API' })),
      {
        headers: headers(),
      },
    );
    expect(response.status).toBe(200);
    expect(rig.received).toEqual([]);
  });

  it('a body over the limit → 413 before the secret is even looked at', async () => {
    const rig = webhookRig({ maxBodyBytes: 2048 });
    const big = envelope(...Array.from({ length: 10 }, (_, i) => event({ tag: `1.0.${i}` })));
    expect(JSON.stringify(big).length).toBeGreaterThan(2048);
    expect((await rig.post('distribution', big, { headers: {} })).status).toBe(413);
    expect(rig.received).toEqual([]);
  });

  it('the registry as manifests name it can be set in the URL (?registry=), when pushes go to an internal name', async () => {
    const rig = webhookRig();
    const response = await rig.post('distribution', envelope(realPush('2.0.1')), {
      headers: headers(),
      query: { registry: 'registry.example.com' },
    });
    expect(response.status).toBe(202);
    expect(rig.received[0]!.push.image).toBe('registry.example.com/shop/api');
    const bad = await rig.post('distribution', envelope(realPush('2.0.1')), {
      headers: headers(),
      query: { registry: 'not a host' },
    });
    expect(bad.status).toBe(400);
  });

  it('falls back to request.host when target.url is missing', async () => {
    const rig = webhookRig();
    const { url: _url, ...target } = realPush('3.0.0').target;
    const response = await rig.post('distribution', envelope({ ...realPush('3.0.0'), target }), {
      headers: headers(),
    });
    expect(rig.received[0]!.push.image).toBe('127.0.0.1:5198/shop/api');
    expect(response.status).toBe(202);
  });

  it('an image outside the allow-list is ignored (200, not a 4xx the registry would retry forever)', async () => {
    const rig = webhookRig({ allow: ['registry.example.com/shop'] });
    const response = await rig.post('distribution', envelope(realPush('2.0.1')), { headers: headers() });
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual(['image-not-allowed']);
    expect(rig.received).toEqual([]);
    const allowed = webhookRig({ allow: ['127.0.0.1:5198/shop'] });
    expect(
      (await allowed.post('distribution', envelope(realPush('2.0.1')), { headers: headers() })).status,
    ).toBe(202);
  });
});
