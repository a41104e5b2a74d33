import { describe, expect, it } from 'vitest';
import { DIGEST_A, hubSignature, reasons, SECRET, webhookRig } from './rig.ts';

/**
 * A GitHub `package` event for a container pushed to GHCR, shaped like GitHub's documented
 * payload (octokit/webhooks `package/published`) with the container fields GHCR fills in.
 */
function packageEvent(
  options: {
    tag?: string;
    action?: string;
    type?: string;
    url?: string | null;
    owner?: string;
    name?: string;
  } = {},
) {
  const tag = options.tag ?? '1.2.0';
  const owner = options.owner ?? 'Acme';
  const name = options.name ?? 'api';
  return {
    action: options.action ?? 'published',
    package: {
      id: 10696,
      name,
      namespace: owner,
      description: null,
      ecosystem: 'CONTAINER',
      package_type: options.type ?? 'CONTAINER',
      html_url: `https://github.com/orgs/${owner}/packages/container/package/${name}`,
      created_at: '2026-05-09T23:28:29Z',
      updated_at: '2026-05-09T23:28:29Z',
      owner: { login: owner, id: 21031067, type: 'Organization' },
      package_version: {
        id: 57755790,
        version: DIGEST_A,
        name: DIGEST_A,
        description: '',
        manifest: '',
        html_url: `https://github.com/orgs/${owner}/packages/container/${name}/57755790`,
        created_at: '2026-05-10T08:00:00Z',
        updated_at: '2026-05-10T08:00:01Z',
        metadata: [],
        container_metadata: {
          tag: { name: tag, digest: DIGEST_A },
          labels: { description: '', source: '', revision: '' },
          manifest: {
            digest: DIGEST_A,
            media_type: 'application/vnd.oci.image.index.v1+json',
            size: 1609,
          },
        },
        package_files: [],
        installation_command: `docker pull ghcr.io/${owner.toLowerCase()}/${name}:${tag}`,
        ...(options.url !== null
          ? { package_url: options.url ?? `ghcr.io/${owner.toLowerCase()}/${name}:${tag}` }
          : {}),
      },
      registry: {
        about_url: 'https://docs.github.com/packages/learn-github-packages/introduction-to-github-packages',
        name: 'GitHub CONTAINER registry',
        type: 'CONTAINER',
        url: `https://ghcr.io/${owner}`,
        vendor: 'GitHub Inc',
      },
    },
    repository: { id: 1, name: 'api', full_name: `${owner}/api` },
    sender: { login: 'octocat' },
  };
}

function signed(body: object | string, event = 'package', secret = SECRET) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    body: text,
    headers: {
      'x-github-event': event,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': hubSignature(text, secret),
      'content-type': 'application/json',
    },
  };
}

describe('POST /webhooks/ghcr', () => {
  it('a signed package published event is accepted as ghcr.io/<owner>/<name> (lowercase), with digest, time, delivery id', async () => {
    const rig = webhookRig();
    const { body, headers } = signed(packageEvent());
    const response = await rig.post('ghcr', body, { headers });
    expect(response.status).toBe(202);
    expect(rig.received).toEqual([
      {
        source: 'ghcr',
        id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        push: {
          image: 'ghcr.io/acme/api',
          tag: '1.2.0',
          digest: DIGEST_A,
          pushedAt: new Date('2026-05-10T08:00:01Z'),
        },
      },
    ]);
  });

  it.each([['registry_package (delivered to a GitHub App)', 'registry_package']])(
    '%s is read the same way',
    async (_what, event) => {
      const rig = webhookRig();
      const { package: pkg, ...rest } = packageEvent();
      const { body, headers } = signed({ ...rest, registry_package: pkg }, event);
      expect((await rig.post('ghcr', body, { headers })).status).toBe(202);
      expect(rig.received[0]!.push).toMatchObject({ image: 'ghcr.io/acme/api', tag: '1.2.0' });
    },
  );

  it('a package_url with an empty tag after the colon (as GitHub sometimes sends) still names the image', async () => {
    const rig = webhookRig();
    const { body, headers } = signed(packageEvent({ url: 'ghcr.io/Acme/api:' }));
    await rig.post('ghcr', body, { headers });
    expect(rig.received[0]!.push.image).toBe('ghcr.io/acme/api');
  });

  it('without package_url the image is ghcr.io/<owner>/<name>; GHES names its registry in package_url', async () => {
    const rig = webhookRig();
    await rig.post('ghcr', ...signedArgs(packageEvent({ url: null })));
    await rig.post(
      'ghcr',
      ...signedArgs(packageEvent({ url: 'containers.github.example.com/acme/api:1.2.0' })),
    );
    expect(rig.received.map((r) => r.push.image)).toEqual([
      'ghcr.io/acme/api',
      'containers.github.example.com/acme/api',
    ]);
  });

  it.each([
    [
      'a forged signature',
      () => ({ ...signed(packageEvent()).headers, 'x-hub-signature-256': hubSignature('{}') }),
    ],
    [
      'a signature made with another secret',
      () => signed(packageEvent(), 'package', 'another-secret-entirely').headers,
    ],
    ['no signature', () => ({ 'x-github-event': 'package' })],
    ['a SHA-1 signature only', () => ({ 'x-github-event': 'package', 'x-hub-signature': 'sha1=0000' })],
    [
      'a signature without the sha256= prefix',
      () => ({
        ...signed(packageEvent()).headers,
        'x-hub-signature-256': hubSignature(JSON.stringify(packageEvent())).slice(7),
      }),
    ],
  ])('%s → 401, nothing queued', async (_what, headers) => {
    const rig = webhookRig();
    expect((await rig.post('ghcr', JSON.stringify(packageEvent()), { headers: headers() })).status).toBe(401);
    expect(rig.received).toEqual([]);
  });

  it('the body is checked byte for byte: a re-serialised body fails the signature', async () => {
    const rig = webhookRig();
    const { body, headers } = signed(JSON.stringify(packageEvent(), null, 2));
    expect((await rig.post('ghcr', JSON.stringify(JSON.parse(body)), { headers })).status).toBe(401);
    expect((await rig.post('ghcr', body, { headers })).status).toBe(202);
  });

  it.each([
    [
      'ping (sent when the webhook is created)',
      signed({ zen: 'Keep it logically awesome.', hook_id: 1 }, 'ping'),
      'other-event',
    ],
    ['a push event', signed({ ref: 'refs/heads/main' }, 'push'), 'other-event'],
    ['a deleted version', signed(packageEvent({ action: 'deleted' })), 'not-a-push'],
    ['an npm package', signed(packageEvent({ type: 'npm' })), 'not-a-container'],
    [
      'an untagged version (a platform manifest of a multi-arch push)',
      signed(packageEvent({ tag: '' })),
      'untagged',
    ],
    ['a cosign attestation', signed(packageEvent({ tag: `sha256-${'a'.repeat(64)}.att` })), 'referrer-tag'],
  ])('%s → 200 ignored', async (_what, { body, headers }, reason) => {
    const rig = webhookRig();
    const response = await rig.post('ghcr', body, { headers });
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual([reason]);
    expect(rig.received).toEqual([]);
  });

  it.each([
    ['not JSON', signed('action=published')],
    ['no package', signed({ action: 'published' })],
    [
      'a container without package_version',
      signed({ ...packageEvent(), package: { ...packageEvent().package, package_version: null } }),
    ],
    [
      'no image name at all',
      signed({
        ...packageEvent({ url: null }),
        package: { ...packageEvent({ url: null }).package, owner: undefined },
      }),
    ],
  ])('%s → 400', async (_what, { body, headers }) => {
    const rig = webhookRig();
    expect((await rig.post('ghcr', body, { headers })).status).toBe(400);
  });

  it('over the size limit → 413; outside the allow-list → 200 ignored', async () => {
    const small = webhookRig({ maxBodyBytes: 1024 });
    expect((await small.post('ghcr', ...signedArgs(packageEvent()))).status).toBe(413);
    const listed = webhookRig({ allow: ['ghcr.io/other-org'] });
    const response = await listed.post('ghcr', ...signedArgs(packageEvent()));
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual(['image-not-allowed']);
    const own = webhookRig({ allow: ['ghcr.io/acme'] });
    expect((await own.post('ghcr', ...signedArgs(packageEvent()))).status).toBe(202);
  });
});

function signedArgs(event: object): [string, { headers: Record<string, string> }] {
  const { body, headers } = signed(event);
  return [body, { headers }];
}
