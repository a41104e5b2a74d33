import { describe, expect, it } from 'vitest';
import { DeliveryLogError } from '../../../../lambdas/ports/delivery-log.ts';
import { commit, DELIVERY, githubRig, push } from './github-rig.ts';

describe('POST /webhooks/github: bad input', () => {
  it.each([
    ['not JSON', 'push', '{"ref":', {}, 'the body is not JSON'],
    [
      'form-encoded',
      'push',
      'payload=%7B%7D',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'application/json',
    ],
    [
      'a push without its repository',
      'push',
      JSON.stringify({ ...push(), repository: undefined }),
      {},
      'repository',
    ],
    ['a push whose after is not a sha', 'push', JSON.stringify(push({ after: 'main' })), {}, 'after'],
    [
      'an installation event without the installation',
      'installation',
      '{"action":"created"}',
      {},
      'installation',
    ],
    ['no delivery id', 'push', JSON.stringify(push()), { 'x-github-delivery': '' }, 'X-GitHub-Delivery'],
    [
      'a delivery id that is not a GUID',
      'push',
      JSON.stringify(push()),
      { 'x-github-delivery': '../../etc' },
      'X-GitHub-Delivery',
    ],
    ['no event name', '', JSON.stringify(push()), {}, 'X-GitHub-Event'],
  ])('%s is 400 with the reason', async (_what, event, body, headers, reason) => {
    const rig = githubRig();
    const response = await rig.send(event, body, headers);
    expect(response.status).toBe(400);
    expect(String(response.json.reason)).toContain(reason);
    expect(rig.events).toEqual([]);
  });

  it("a push over the registries' 256 KiB limit is taken; one over 5 MiB is 413", async () => {
    const rig = githubRig();
    const paths = (n: number, size: number) =>
      Array.from({ length: n }, (_, i) => `${String(i).padStart(size, 'x')}`);
    const large = push({ commits: Array.from({ length: 10 }, () => commit(paths(100, 1000))) });
    expect(JSON.stringify(large).length).toBeGreaterThan(256 * 1024);
    expect((await rig.send('push', large)).status).toBe(202);
    const huge = push({ commits: Array.from({ length: 19 }, () => commit(paths(300, 1000))) });
    expect(JSON.stringify(huge).length).toBeGreaterThan(5 * 1024 * 1024);
    const response = await rig.send('push', huge, { 'x-github-delivery': DELIVERY.replace('7', '8') });
    expect(response.status).toBe(413);
    expect(rig.events).toHaveLength(1);
  });
});

describe('POST /webhooks/github: delivery ids', () => {
  const body = () => push({ commits: [commit(['.image-updater.yaml'])] });

  it('the same delivery twice is queued once; the second is 200 duplicate', async () => {
    const rig = githubRig();
    expect((await rig.send('push', body())).status).toBe(202);
    const again = await rig.send('push', body());
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ status: 'duplicate', delivery: DELIVERY });
    expect(rig.events).toHaveLength(1);
    expect((await rig.send('push', body(), { 'x-github-delivery': DELIVERY.replace('7', '9') })).status).toBe(
      202,
    );
    expect(rig.events).toHaveLength(2);
  });

  it('a delivery the queue refused is 503, and its redelivery is then queued', async () => {
    const rig = githubRig({ queueFails: 1 });
    expect((await rig.send('push', body())).status).toBe(503);
    expect(rig.events).toEqual([]);
    expect((await rig.send('push', body())).status).toBe(202);
    expect(rig.events.map((e) => e.id)).toEqual([DELIVERY]);
  });

  it('a delivery log that fails does not lose the event: it is queued, with a warning', async () => {
    const failing = {
      claim: async () =>
        Promise.reject(
          new DeliveryLogError('PutItem on the delivery log failed: ProvisionedThroughputExceededException'),
        ),
      release: async () =>
        Promise.reject(
          new DeliveryLogError('PutItem on the delivery log failed: ProvisionedThroughputExceededException'),
        ),
    };
    const rig = githubRig({ deps: { deliveries: failing } });
    expect((await rig.send('push', body())).status).toBe(202);
    expect(rig.events).toHaveLength(1);
    expect(
      rig.log.entries.some((e) => e.level === 'warn' && e.message.includes('delivery log unavailable')),
    ).toBe(true);
  });
});
