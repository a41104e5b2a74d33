import { describe, expect, it } from 'vitest';
import { corpusEvent } from '../../../support/corpus.ts';
import { bearer, DIGEST_A, reasons, SECRET, webhookRig } from './rig.ts';

/** Harbor's documentation sample: a push by digest (`tag` is the digest). */
const SAMPLE = corpusEvent('harbor-push-artifact.json') as {
  type: string;
  occur_at: number;
  event_data: { resources: Record<string, string>[]; repository: Record<string, unknown> };
};

/** The sample, pushed with a tag the way Harbor reports it. */
function tagged(tag: string, overrides: Partial<typeof SAMPLE> = {}) {
  return {
    ...SAMPLE,
    ...overrides,
    event_data: {
      ...SAMPLE.event_data,
      resources: [{ digest: DIGEST_A, tag, resource_url: `harbor.example.com/harbor/alpine:${tag}` }],
    },
  };
}

/** The same push in the CloudEvents format (Harbor 2.10+). */
function cloudEvent(tag: string, type = 'harbor.artifact.pushed') {
  return {
    specversion: '1.0',
    id: '66e18103-09c1-41f6-982f-37df223f3eeb',
    requestid: '51c0b694-0168-4f3c-b0db-282565455d7b',
    source: '/projects/2/webhook/policies/15',
    type,
    datacontenttype: 'application/json',
    time: '2023-04-03T06:04:46Z',
    data: tagged(tag).event_data,
    operator: 'harbor-jobservice',
  };
}

const AUTH = bearer();

describe('POST /webhooks/harbor', () => {
  it('a tagged PUSH_ARTIFACT (default format) is accepted with registry, tag, digest and time', async () => {
    const rig = webhookRig();
    const response = await rig.post('harbor', tagged('3.18.2'), { headers: AUTH });
    expect(response.status).toBe(202);
    expect(rig.received).toEqual([
      {
        source: 'harbor',
        id: undefined,
        push: {
          image: 'harbor.example.com/harbor/alpine',
          tag: '3.18.2',
          digest: DIGEST_A,
          pushedAt: new Date(SAMPLE.occur_at * 1000),
        },
      },
    ]);
  });

  it('the CloudEvents format gives the same push, with the event id', async () => {
    const rig = webhookRig();
    const response = await rig.post('harbor', cloudEvent('3.18.2'), {
      headers: { ...AUTH, 'content-type': 'application/cloudevents+json' },
    });
    expect(response.status).toBe(202);
    expect(rig.received).toEqual([
      {
        source: 'harbor',
        id: '66e18103-09c1-41f6-982f-37df223f3eeb',
        push: {
          image: 'harbor.example.com/harbor/alpine',
          tag: '3.18.2',
          digest: DIGEST_A,
          pushedAt: new Date('2023-04-03T06:04:46Z'),
        },
      },
    ]);
  });

  it('Harbor\'s "Auth Header" is sent verbatim: the bare secret works as well as "Bearer <secret>"', async () => {
    const rig = webhookRig();
    expect((await rig.post('harbor', tagged('1.0.0'), { headers: { authorization: SECRET } })).status).toBe(
      202,
    );
  });

  it('a registry on a port keeps the port in the image name', async () => {
    const rig = webhookRig();
    const body = tagged('1.0.0');
    body.event_data.resources[0]!.resource_url = 'harbor.example.com:8443/harbor/alpine:1.0.0';
    await rig.post('harbor', body, { headers: AUTH });
    expect(rig.received[0]!.push.image).toBe('harbor.example.com:8443/harbor/alpine');
  });

  it.each([
    ['the documentation sample (pushed by digest: tag == digest)', SAMPLE, ['untagged']],
    ['the same in CloudEvents', { ...cloudEvent('x'), data: SAMPLE.event_data }, ['untagged']],
    ['an empty tag', tagged(''), ['untagged']],
    ['PULL_ARTIFACT', tagged('1.0.0', { type: 'PULL_ARTIFACT' }), ['not-a-push']],
    ['DELETE_ARTIFACT', tagged('1.0.0', { type: 'DELETE_ARTIFACT' }), ['not-a-push']],
    ['SCANNING_COMPLETED', { type: 'SCANNING_COMPLETED', occur_at: 1, event_data: {} }, ['not-a-push']],
    ['harbor.artifact.deleted (CloudEvents)', cloudEvent('1.0.0', 'harbor.artifact.deleted'), ['not-a-push']],
    ['a signature tag', tagged('sha256-abc.sig'), ['referrer-tag']],
  ])('%s → 200 ignored, nothing queued', async (_what, body, expected) => {
    const rig = webhookRig();
    const response = await rig.post('harbor', body, { headers: AUTH });
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual(expected);
    expect(rig.received).toEqual([]);
  });

  it.each([
    ['no Authorization', {}],
    ['a wrong secret', bearer('wrong-secret-wrong-secret')],
    ['the secret in another header', { 'x-harbor-auth': SECRET }],
  ])('%s → 401, nothing queued', async (_what, headers) => {
    const rig = webhookRig();
    expect((await rig.post('harbor', tagged('1.0.0'), { headers })).status).toBe(401);
    expect(rig.received).toEqual([]);
  });

  it.each([
    ['not JSON', 'type=PUSH_ARTIFACT'],
    ['no type', { event_data: tagged('1.0.0').event_data }],
    [
      'a push without resources',
      { type: 'PUSH_ARTIFACT', event_data: { repository: SAMPLE.event_data.repository } },
    ],
    [
      'a resource without resource_url',
      { ...tagged('1.0.0'), event_data: { ...SAMPLE.event_data, resources: [{ tag: '1.0.0' }] } },
    ],
    ['a CloudEvent without an id', { ...cloudEvent('1.0.0'), id: undefined }],
  ])('%s → 400', async (_what, body) => {
    const rig = webhookRig();
    expect((await rig.post('harbor', body, { headers: AUTH })).status).toBe(400);
    expect(rig.received).toEqual([]);
  });

  it('over the size limit → 413', async () => {
    const rig = webhookRig({ maxBodyBytes: 1024 });
    const body = tagged('1.0.0', { operator: 'x'.repeat(2000) } as object);
    expect((await rig.post('harbor', body, { headers: AUTH })).status).toBe(413);
  });

  it('outside the allow-list → 200 ignored', async () => {
    const rig = webhookRig({ allow: ['harbor.example.com/library'] });
    const response = await rig.post('harbor', tagged('1.0.0'), { headers: AUTH });
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual(['image-not-allowed']);
  });
});
