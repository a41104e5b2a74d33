import { describe, expect, it } from 'vitest';
import { bearer, reasons, SECRET, webhookRig } from './rig.ts';

/** Docker Hub's documented webhook payload. */
function payload(tag: string, repoName = 'svendowideit/testhook') {
  return {
    callback_url:
      'https://registry.hub.docker.com/u/svendowideit/testhook/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/',
    push_data: { pushed_at: 1417566161, pusher: 'trustedbuilder', tag },
    repository: {
      comment_count: 0,
      date_created: 1417494799,
      description: '',
      is_official: false,
      is_private: true,
      is_trusted: true,
      name: repoName.split('/')[1],
      namespace: repoName.split('/')[0],
      owner: 'svendowideit',
      repo_name: repoName,
      repo_url: `https://registry.hub.docker.com/u/${repoName}/`,
      star_count: 0,
      status: 'Active',
    },
  };
}

const QUERY = { secret: SECRET };

describe('POST /webhooks/dockerhub', () => {
  it('a push with the secret in the URL is accepted as docker.io/<repo>, without a digest', async () => {
    const rig = webhookRig();
    const response = await rig.post('dockerhub', payload('1.2.3'), { query: QUERY });
    expect(response.status).toBe(202);
    expect(rig.received).toEqual([
      {
        source: 'dockerhub',
        id: undefined,
        push: {
          image: 'docker.io/svendowideit/testhook',
          tag: '1.2.3',
          pushedAt: new Date(1417566161 * 1000),
        },
      },
    ]);
  });

  it('the secret may come as a bearer header (a proxy in front of the endpoint)', async () => {
    const rig = webhookRig();
    expect((await rig.post('dockerhub', payload('1.2.3'), { headers: bearer() })).status).toBe(202);
  });

  it('an official image keeps its library/ namespace', async () => {
    const rig = webhookRig();
    await rig.post('dockerhub', payload('1.27.0', 'library/nginx'), { query: QUERY });
    expect(rig.received[0]!.push.image).toBe('docker.io/library/nginx');
  });

  it.each([
    ['no secret', {}],
    ['a wrong secret', { query: { secret: 'not-the-secret-at-all' } }],
    ['an empty secret', { query: { secret: '' } }],
    ['the secret under another name', { query: { token: SECRET } }],
  ])('%s → 401, nothing queued', async (_what, request) => {
    const rig = webhookRig();
    expect((await rig.post('dockerhub', payload('1.2.3'), request)).status).toBe(401);
    expect(rig.received).toEqual([]);
  });

  it.each([
    ['an empty tag', payload(''), 'untagged'],
    ['a tag outside the OCI grammar', payload('-bad'), 'invalid-tag'],
  ])('%s → 200 ignored', async (_what, body, reason) => {
    const rig = webhookRig();
    const response = await rig.post('dockerhub', body, { query: QUERY });
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual([reason]);
  });

  it.each([
    ['not JSON', 'push'],
    ['no push_data', { repository: payload('1').repository }],
    ['no repo_name', { push_data: { tag: '1' }, repository: {} }],
    ['a repo_name that is not one', payload('1', 'Sven/TestHook')],
  ])('%s → 400', async (_what, body) => {
    const rig = webhookRig();
    expect((await rig.post('dockerhub', body, { query: QUERY })).status).toBe(400);
  });

  it('over the size limit → 413; outside the allow-list → 200 ignored', async () => {
    const small = webhookRig({ maxBodyBytes: 1024 });
    expect(
      (await small.post('dockerhub', { ...payload('1'), pad: 'x'.repeat(2000) }, { query: QUERY })).status,
    ).toBe(413);
    const listed = webhookRig({ allow: ['docker.io/acme'] });
    const response = await listed.post('dockerhub', payload('1.2.3'), { query: QUERY });
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual(['image-not-allowed']);
  });
});
