import { describe, expect, it } from 'vitest';
import { corpusEvent, corpusEventText } from '../../../support/corpus.ts';
import { bearer, reasons, webhookRig } from './rig.ts';

const PUSH = corpusEvent('ecr-image-action-push.json');
const IMAGE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name';

describe('POST /webhooks/ecr (an EventBridge API destination)', () => {
  it('the documentation push sample is accepted as the EventBridge rule would read it', async () => {
    const rig = webhookRig();
    const response = await rig.post('ecr', corpusEventText('ecr-image-action-push.json'), {
      headers: bearer(),
    });
    expect(response.status).toBe(202);
    expect(rig.received).toEqual([
      {
        source: 'ecr',
        id: '13cde686-328b-6117-af20-0e5566167482',
        // The sample's digest is shortened in the documentation: not one we could write.
        push: { image: IMAGE, tag: 'latest', pushedAt: new Date('2019-11-16T01:54:34Z') },
      },
    ]);
  });

  it.each([
    ['the delete sample', 'ecr-image-action-delete.json', 'not-a-push'],
    ['the scan sample (another detail-type)', 'ecr-image-scan.json', 'other-event'],
  ])('%s → 200 ignored', async (_what, file, reason) => {
    const rig = webhookRig();
    const response = await rig.post('ecr', corpusEventText(file), { headers: bearer() });
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual([reason]);
  });

  it.each([
    ['an untagged manifest', { 'image-tag': '' }, 'untagged'],
    ['a failed push', { result: 'FAILURE' }, 'push-failed'],
  ])('%s → 200 ignored', async (_what, detail, reason) => {
    const rig = webhookRig();
    const body = { ...PUSH, detail: { ...(PUSH.detail as object), ...detail } };
    const response = await rig.post('ecr', body, { headers: bearer() });
    expect(reasons(response)).toEqual([reason]);
  });

  it('no or a wrong secret → 401; not an EventBridge event → 400; outside the allow-list → ignored', async () => {
    const rig = webhookRig({ allow: ['123456789012.dkr.ecr.eu-west-1.amazonaws.com'] });
    expect((await rig.post('ecr', PUSH)).status).toBe(401);
    expect((await rig.post('ecr', PUSH, { headers: bearer('nope-nope-nope-nope') })).status).toBe(401);
    expect((await rig.post('ecr', { detail: {} }, { headers: bearer() })).status).toBe(400);
    const badRepo = { ...PUSH, detail: { ...(PUSH.detail as object), 'repository-name': 'UPPER' } };
    expect((await rig.post('ecr', badRepo, { headers: bearer() })).status).toBe(400);
    const response = await rig.post('ecr', PUSH, { headers: bearer() });
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual(['image-not-allowed']);
    expect(rig.received).toEqual([]);
  });
});
