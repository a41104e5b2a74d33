import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebhookError } from '../../../../lambdas/adapters/webhooks/errors.ts';
import {
  parseWebhookSecret,
  SecretsManagerWebhookSecrets,
  staticWebhookSecrets,
} from '../../../../lambdas/adapters/webhooks/secrets.ts';
import { bearer, webhookRig } from './rig.ts';

const sm = mockClient(SecretsManagerClient);

describe('webhook secrets', () => {
  beforeEach(() => sm.reset());
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one string serves every provider; JSON gives each its own, with a default', async () => {
    const one = staticWebhookSecrets('shared-secret-shared-secret');
    expect(await one.get('ghcr')).toBe('shared-secret-shared-secret');
    const per = staticWebhookSecrets(
      '{"ghcr": "ghcr-secret-0123456789", "default": "other-secret-0123456789"}',
    );
    expect(await per.get('ghcr')).toBe('ghcr-secret-0123456789');
    expect(await per.get('harbor')).toBe('other-secret-0123456789');
    const only = staticWebhookSecrets('{"distribution": "dist-secret-0123456789"}');
    expect(await only.get('dockerhub')).toBeUndefined();
  });

  it('a provider without a secret refuses everything with 401', async () => {
    const rig = webhookRig({ secrets: { distribution: 'dist-secret-0123456789' } });
    const response = await rig.post(
      'harbor',
      { type: 'PUSH_ARTIFACT' },
      { headers: bearer('dist-secret-0123456789') },
    );
    expect(response.status).toBe(401);
    expect(
      rig.log.entries.some((e) => e.level === 'error' && /no secret is configured/.test(e.message)),
    ).toBe(true);
  });

  it.each([['   '], ['{"ghcr": ""}'], ['{"quay": "s3cr3t"}'], ['{"ghcr": 1}'], ['{not json s3cr3t']])(
    'refuses %j without quoting it',
    (text) => {
      let error: unknown;
      try {
        parseWebhookSecret(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WebhookError);
      expect((error as WebhookError).code).toBe('WEBHOOK_SECRET_FORMAT');
      expect((error as WebhookError).message).not.toContain('s3cr3t');
    },
  );

  it('Secrets Manager: read once per TTL; a rotated secret is picked up at the next failed check', async () => {
    // Powertools Parameters and the refresh interval read the time from `Date`.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'old-secret-0123456789' })
      .resolves({ SecretString: 'new-secret-0123456789' });
    const secrets = new SecretsManagerWebhookSecrets({
      client: new SecretsManagerClient({}),
      secretId: 'image-updater/webhook',
      maxAgeSeconds: 300,
    });
    const rig = webhookRig({ deps: { secrets } });
    const body = { events: [] };
    expect((await rig.post('distribution', body, { headers: bearer('old-secret-0123456789') })).status).toBe(
      200,
    );
    expect((await rig.post('distribution', body, { headers: bearer('old-secret-0123456789') })).status).toBe(
      200,
    );
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    // The registry switched to the new secret before the cache expired.
    expect((await rig.post('distribution', body, { headers: bearer('new-secret-0123456789') })).status).toBe(
      200,
    );
    // A flood of wrong secrets re-reads at most once per interval.
    vi.setSystemTime(1000);
    for (let i = 0; i < 5; i++)
      expect((await rig.post('distribution', body, { headers: bearer('forged-0123456789') })).status).toBe(
        401,
      );
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('Secrets Manager unavailable → 503 (the registry delivers again), not 401', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('throttled'), { name: 'ThrottlingException' }),
    );
    const rig = webhookRig({
      deps: {
        secrets: new SecretsManagerWebhookSecrets({ client: new SecretsManagerClient({}), secretId: 's' }),
      },
    });
    const response = await rig.post('distribution', { events: [] }, { headers: bearer() });
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
  });
});
