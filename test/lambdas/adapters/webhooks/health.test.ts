/**
 * Health reports for `promote: { when: healthy }` (docs/promotion.md): Argo CD Notifications at
 * `POST /webhooks/argocd` (a shared secret in Authorization) and Flux's generic-hmac provider at
 * `POST /webhooks/flux` (X-Signature: sha256=<HMAC of the body>), each naming the environment
 * repository in `?repo=`, each with its own secret key only, size-limited and schema-checked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitOf } from '../../../../lambdas/adapters/webhooks/health.ts';
import { hubSignature, reasons, webhookRig } from './rig.ts';

const ARGO_SECRET = 'argo-cd-notifications-secret-0001';
const FLUX_SECRET = 'flux-generic-hmac-token-secret-0002';
const SECRETS = { default: 'a-registry-secret-only-0001', argocd: ARGO_SECRET, flux: FLUX_SECRET };
const SHA = '3f0c1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b';
const REPO = { repo: 'acme/gitops' };

/** The body of the documented Argo CD template. */
const argoBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    application: 'shop-api-staging',
    revision: SHA,
    health: 'Healthy',
    sync: 'Synced',
    ...over,
  });

/** What Flux's notification-controller posts for a Kustomization (trimmed of nothing we read). */
const fluxBody = (over: Record<string, unknown> = {}, metadata: Record<string, string> = {}) =>
  JSON.stringify({
    involvedObject: {
      kind: 'Kustomization',
      namespace: 'flux-system',
      name: 'shop-staging',
      uid: 'c1b5a4f2-0000-4000-8000-000000000000',
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      resourceVersion: '123',
    },
    severity: 'info',
    timestamp: '2026-12-07T02:00:00Z',
    message: 'Reconciliation finished in 1.2s, next run in 10m0s',
    reason: 'ReconciliationSucceeded',
    metadata: { revision: `main@sha1:${SHA}`, ...metadata },
    reportingController: 'kustomize-controller',
    reportingInstance: 'kustomize-controller-7f8d8c9b6-abcde',
    ...over,
  });

const argo = (
  rig: ReturnType<typeof webhookRig>,
  body: string,
  secret = ARGO_SECRET,
  query: Record<string, string> = REPO,
) => rig.post('argocd', body, { headers: { authorization: `Bearer ${secret}` }, query });
const flux = (rig: ReturnType<typeof webhookRig>, body: string, secret = FLUX_SECRET, query = REPO) =>
  rig.post('flux', body, { headers: { 'x-signature': hubSignature(body, secret) }, query });

describe('POST /webhooks/argocd: authentication', () => {
  it.each([
    ['its own secret as a bearer token', { authorization: `Bearer ${ARGO_SECRET}` }, 202],
    ['its own secret bare', { authorization: ARGO_SECRET }, 202],
    ['another secret', { authorization: 'Bearer not-the-argo-secret-000000' }, 401],
    [
      "the registries' default secret (health reports take only their own key)",
      { authorization: `Bearer ${SECRETS.default}` },
      401,
    ],
    ["Flux's secret", { authorization: `Bearer ${FLUX_SECRET}` }, 401],
    ['no Authorization header', {}, 401],
    ['an empty bearer', { authorization: 'Bearer ' }, 401],
  ])('%s: %i', async (_what, headers, status) => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await rig.post('argocd', argoBody(), { headers, query: REPO });
    expect(response.status).toBe(status);
    expect(rig.events).toHaveLength(status === 202 ? 1 : 0);
  });

  it('without an argocd key every report is 401', async () => {
    const rig = webhookRig({ secrets: { default: SECRETS.default } });
    expect((await argo(rig, argoBody(), SECRETS.default)).status).toBe(401);
  });
});

describe('POST /webhooks/argocd: the report', () => {
  it('a healthy, synced application at a commit is queued as a health event of the repository in the URL', async () => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await argo(rig, argoBody());
    expect(response.status).toBe(202);
    expect(response.json).toEqual({
      status: 'accepted',
      event: 'health',
      repo: 'acme/gitops',
      application: 'shop-api-staging',
      revision: SHA,
      healthy: true,
    });
    expect(rig.events).toHaveLength(1);
    expect(rig.events[0]!.id).toMatch(/^argocd-[0-9a-f]{32}$/);
    expect(rig.events[0]!.event).toMatchObject({
      type: 'health',
      repo: 'acme/gitops',
      application: 'shop-api-staging',
      revision: SHA,
      healthy: true,
      source: 'argocd',
    });
  });

  it.each([
    ['Degraded', 'Synced', false],
    ['Missing', 'OutOfSync', false],
    ['Healthy', 'Synced', true],
  ])('health %s, sync %s: healthy %s', async (health, sync, healthy) => {
    const rig = webhookRig({ secrets: SECRETS });
    await argo(rig, argoBody({ health, sync }));
    expect(rig.events[0]?.event).toMatchObject({ healthy });
  });

  it.each([
    ['Progressing', 'Synced', 'no-health-verdict'],
    ['Healthy', 'OutOfSync', 'no-health-verdict'],
    ['Suspended', 'Synced', 'no-health-verdict'],
  ])('health %s, sync %s: acknowledged, nothing queued (%s)', async (health, sync, reason) => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await argo(rig, argoBody({ health, sync }));
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual([reason]);
    expect(rig.events).toEqual([]);
  });

  it('a Helm chart version as the revision names no commit: acknowledged', async () => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await argo(rig, argoBody({ revision: '1.4.2' }));
    expect(reasons(response)).toEqual(['no-commit']);
    expect(rig.events).toEqual([]);
  });

  it.each([
    ['no repository in the URL', argoBody(), {}, 'add ?repo=<owner>/<name>'],
    ['a repository that is not owner/name', argoBody(), { repo: '../etc' }, 'add ?repo=<owner>/<name>'],
    ['a body that is not JSON', 'health=Healthy', REPO, 'the body is not JSON'],
    ['no application', JSON.stringify({ revision: SHA, health: 'Healthy' }), REPO, 'application'],
    ['an application that is no name', argoBody({ application: 'a b' }), REPO, 'application'],
    ['a revision of another type', argoBody({ revision: 42 }), REPO, 'revision'],
  ])('%s: 400, with the field named', async (_what, body, query, field) => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await argo(rig, body, ARGO_SECRET, query);
    expect(response.status).toBe(400);
    expect(String(response.json.reason)).toContain(field);
    expect(rig.events).toEqual([]);
  });

  it('a body over the endpoint limit is 413 before the secret is checked', async () => {
    const rig = webhookRig({ secrets: SECRETS, maxBodyBytes: 1024 });
    const response = await argo(rig, argoBody({ padding: 'x'.repeat(2048) }));
    expect(response.status).toBe(413);
    expect(rig.events).toEqual([]);
  });

  it('a queue that fails is 503: Argo CD may send again', async () => {
    const rig = webhookRig({ secrets: SECRETS, queueFails: true });
    expect((await argo(rig, argoBody())).status).toBe(503);
  });
});

describe('POST /webhooks/flux: authentication', () => {
  const body = fluxBody();
  it.each([
    ['its own token', hubSignature(body, FLUX_SECRET), 202],
    ['upper-case hex', hubSignature(body, FLUX_SECRET).toUpperCase(), 202],
    ['another token', hubSignature(body, 'not-the-flux-token-0000000'), 401],
    ["the registries' default secret", hubSignature(body, SECRETS.default), 401],
    ["Argo CD's secret", hubSignature(body, ARGO_SECRET), 401],
    ['the right HMAC of another body', hubSignature('{}', FLUX_SECRET), 401],
    ['a sha1 signature', `sha1=${'0'.repeat(40)}`, 401],
    ['an empty signature', '', 401],
  ])('signed with %s: %i', async (_what, signature, status) => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await rig.post('flux', body, { headers: { 'x-signature': signature }, query: REPO });
    expect(response.status).toBe(status);
    expect(rig.events).toHaveLength(status === 202 ? 1 : 0);
  });

  it('an unsigned event is 401', async () => {
    const rig = webhookRig({ secrets: SECRETS });
    expect((await rig.post('flux', body, { query: REPO })).status).toBe(401);
  });

  it('any body with a wrong signature is 401 and queues nothing', async () => {
    const rig = webhookRig({ secrets: SECRETS });
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1024 }),
        fc.string({ maxLength: 80 }),
        async (bytes, signature) => {
          const text = Buffer.from(bytes);
          fc.pre(signature !== hubSignature(text, FLUX_SECRET));
          const response = await rig.post('flux', text, {
            headers: { 'x-signature': signature },
            query: REPO,
          });
          expect(response.status).toBe(401);
        },
      ),
      { numRuns: 100 },
    );
    expect(rig.events).toEqual([]);
  });
});

describe('POST /webhooks/flux: the event', () => {
  it('a reconciliation that succeeded is a healthy report of namespace/name at its commit', async () => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await flux(rig, fluxBody());
    expect(response.status).toBe(202);
    expect(rig.events[0]!.event).toMatchObject({
      type: 'health',
      repo: 'acme/gitops',
      application: 'flux-system/shop-staging',
      revision: SHA,
      healthy: true,
      source: 'flux',
    });
  });

  it.each([
    ['an error (a health check failed)', { severity: 'error', reason: 'HealthCheckFailed' }, {}, false],
    [
      'a HelmRelease upgraded, its origin revision',
      { involvedObject: { kind: 'HelmRelease', namespace: 'shop', name: 'api' }, reason: 'UpgradeSucceeded' },
      { revision: '1.4.2', originRevision: `main@sha1:${SHA}` },
      true,
    ],
  ])('%s', async (_what, over, metadata, healthy) => {
    const rig = webhookRig({ secrets: SECRETS });
    await flux(rig, fluxBody(over, metadata));
    expect(rig.events[0]?.event).toMatchObject({ healthy, revision: SHA });
  });

  it.each([
    ['progressing', { reason: 'Progressing' }, {}, 'no-health-verdict'],
    [
      'a GitRepository event',
      { involvedObject: { kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system' } },
      {},
      'other-event',
    ],
    [
      'a HelmRelease without an origin revision (a chart version)',
      { involvedObject: { kind: 'HelmRelease', namespace: 'shop', name: 'api' }, reason: 'UpgradeSucceeded' },
      { revision: '1.4.2' },
      'no-commit',
    ],
  ])('%s: acknowledged, nothing queued', async (_what, over, metadata, reason) => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await flux(rig, fluxBody(over, metadata));
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual([reason]);
    expect(rig.events).toEqual([]);
  });

  it.each([
    [
      'no involvedObject',
      JSON.stringify({ severity: 'info', reason: 'ReconciliationSucceeded' }),
      'involvedObject',
    ],
    ['metadata that is not strings', fluxBody({ metadata: { revision: 7 } }), 'metadata'],
  ])('%s: 400, with the field named', async (_what, body, field) => {
    const rig = webhookRig({ secrets: SECRETS });
    const response = await flux(rig, body);
    expect(response.status).toBe(400);
    expect(String(response.json.reason)).toContain(field);
  });
});

describe('the commit of a revision', () => {
  it.each([
    [SHA, SHA],
    [SHA.toUpperCase(), SHA],
    [`main@sha1:${SHA}`, SHA],
    [`refs/heads/main@sha1:${SHA}`, SHA],
    [`sha1:${SHA}`, SHA],
    [`main/${SHA}`, SHA],
    ['1.4.2', undefined],
    [`latest@sha256:${'a'.repeat(64)}`, undefined],
    [`main@sha1:${SHA.slice(0, 12)}`, undefined],
    ['', undefined],
  ])('%s → %s', (revision, commit) => {
    expect(commitOf(revision)).toBe(commit);
  });
});
