/**
 * Registry credentials for tag listing, by registry host:
 *   { "registry.example.com": { "username": "robot$ci", "password": "…" },
 *     "docker.io": { "username": "acme", "password": "<access token>" } }
 * In AWS the JSON is a Secrets Manager secret; `serve` reads it from `REGISTRY_CREDENTIALS`.
 * Registries that allow anonymous pulls need no entry.
 */
import { CachedSecret, secretText, type CachedSecretOptions } from '../secrets/cached-secret.ts';
import * as z from 'zod';
import { RegistryError } from './errors.ts';

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

export type CredentialsLookup = (registry: string) => Promise<BasicCredentials | undefined>;

const CredentialsSchema = z.record(
  z.string().min(1),
  z.strictObject({ username: z.string().min(1), password: z.string().min(1) }),
);

const DOCKER_HUB_HOSTS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/** Docker Hub's hosts are one registry; other hosts compare case-insensitively, port included. */
function registryKey(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_HOSTS.has(lower) ? 'docker.io' : lower;
}

export function parseRegistryCredentials(
  text: string,
  name = 'the registry credentials',
): ReadonlyMap<string, BasicCredentials> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // No cause: the parser's message would quote the passwords.
    throw new RegistryError('REGISTRY_CREDENTIALS_FORMAT', `${name} are not JSON`);
  }
  const parsed = CredentialsSchema.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((i) => `"${i.path.map(String).join('.')}"`)
      .join(', ');
    throw new RegistryError(
      'REGISTRY_CREDENTIALS_FORMAT',
      `${name}: ${where} invalid; expected {"<registry host>": {"username": "…", "password": "…"}}`,
    );
  }
  const map = new Map<string, BasicCredentials>();
  for (const [host, creds] of Object.entries(parsed.data)) map.set(registryKey(host), creds);
  return map;
}

export function staticCredentials(map: ReadonlyMap<string, BasicCredentials>): CredentialsLookup {
  return async (registry) => map.get(registryKey(registry));
}

/** Credentials from a Secrets Manager secret, re-read after `maxAgeSeconds` (see `CachedSecret`). */
export function secretsManagerCredentials(options: CachedSecretOptions): CredentialsLookup {
  const secret = new CachedSecret(options);
  let parsed: { readonly map: ReadonlyMap<string, BasicCredentials>; readonly text: string } | undefined;
  return async (registry) => {
    let text: string;
    try {
      text = secretText(await secret.read()) ?? '{}';
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new RegistryError('REGISTRY_UNAVAILABLE', `reading the registry credentials failed: ${name}`, {
        retryable: true,
        cause: error,
      });
    }
    if (parsed?.text !== text) parsed = { map: parseRegistryCredentials(text), text };
    return parsed.map.get(registryKey(registry));
  };
}
