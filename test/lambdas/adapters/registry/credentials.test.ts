import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import {
  parseRegistryCredentials,
  secretsManagerCredentials,
} from '../../../../lambdas/adapters/registry/credentials.ts';
import { RegistryError } from '../../../../lambdas/adapters/registry/errors.ts';

describe('registry credentials', () => {
  it('are looked up by host, Docker Hub under any of its names', () => {
    const map = parseRegistryCredentials(
      '{"Registry.Example.com:5000": {"username": "u", "password": "p"}, "index.docker.io": {"username": "d", "password": "q"}}',
    );
    expect(map.get('registry.example.com:5000')).toEqual({ username: 'u', password: 'p' });
    expect(map.get('docker.io')).toEqual({ username: 'd', password: 'q' });
  });

  it.each([
    ['not json p4ssw0rd'],
    ['{"r.example.com": {"username": "u"}}'],
    ['{"r.example.com": {"username": "u", "password": "p4ssw0rd", "x": 1}}'],
  ])('refuse %j without quoting the password', (text) => {
    let error: unknown;
    try {
      parseRegistryCredentials(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).not.toContain('p4ssw0rd');
  });

  it('from Secrets Manager: read once, then again after the TTL', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand).resolves({
      SecretString: '{"ghcr.io": {"username": "acme", "password": "ghp_x"}}',
    });
    // Powertools Parameters reads the time from `Date`.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    const lookup = secretsManagerCredentials({
      client: new SecretsManagerClient({}),
      secretId: 's',
      maxAgeSeconds: 1,
    });
    expect(await lookup('ghcr.io')).toEqual({ username: 'acme', password: 'ghp_x' });
    expect(await lookup('quay.io')).toBeUndefined();
    vi.setSystemTime(1000);
    await lookup('ghcr.io');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    vi.setSystemTime(1001);
    await lookup('ghcr.io');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    sm.restore();
    vi.useRealTimers();
  });
});
