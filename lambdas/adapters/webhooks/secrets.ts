/**
 * The webhook secrets. One secret string serves every provider, or a JSON object names one per
 * provider (`{"distribution": "…", "ghcr": "…", "default": "…"}`): a leaked Docker Hub URL
 * secret then does not open the GHCR endpoint. A provider with no secret authenticates nothing.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { WebhookError } from './errors.ts';
import { PROVIDER_NAMES, type ProviderName } from './types.ts';

export interface WebhookSecrets {
  get(provider: ProviderName): Promise<string | undefined>;
  /**
   * Reads the secret again after a request failed to authenticate, in case it was rotated; the
   * implementation bounds how often. Undefined when nothing changed or it can't re-read.
   */
  refresh?(provider: ProviderName): Promise<string | undefined>;
}

export type SecretsByProvider = Readonly<Partial<Record<ProviderName | 'default', string>>>;

export function parseWebhookSecret(text: string, name = 'the webhook secret'): SecretsByProvider {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    if (trimmed === '') throw new WebhookError('WEBHOOK_SECRET_FORMAT', `${name} is empty`);
    return { default: trimmed };
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    // No cause: the parser's message would quote the secret.
    throw new WebhookError('WEBHOOK_SECRET_FORMAT', `${name} starts with "{" but is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WebhookError('WEBHOOK_SECRET_FORMAT', `${name} is not a JSON object`);
  const allowed = new Set<string>([...PROVIDER_NAMES, 'default']);
  const secrets: Partial<Record<ProviderName | 'default', string>> = {};
  for (const [key, secret] of Object.entries(value)) {
    if (!allowed.has(key))
      throw new WebhookError(
        'WEBHOOK_SECRET_FORMAT',
        `${name}: unknown key "${key}"; expected ${[...allowed].join(', ')}`,
      );
    if (typeof secret !== 'string' || secret.trim() === '')
      throw new WebhookError('WEBHOOK_SECRET_FORMAT', `${name}: "${key}" is not a non-empty string`);
    secrets[key as ProviderName | 'default'] = secret.trim();
  }
  return secrets;
}

export function secretFor(secrets: SecretsByProvider, provider: ProviderName): string | undefined {
  return secrets[provider] ?? secrets.default;
}

/** Secrets fixed for the process's life (`serve`, tests). */
export function staticWebhookSecrets(secrets: SecretsByProvider | string): WebhookSecrets {
  const parsed = typeof secrets === 'string' ? parseWebhookSecret(secrets) : secrets;
  return { get: async (provider) => secretFor(parsed, provider) };
}

export interface SecretsManagerWebhookSecretsOptions {
  readonly client: SecretsManagerClient;
  readonly secretId: string;
  /** How long a read value is trusted. @default 300_000 */
  readonly ttlMs?: number;
  /** At most one re-read for failed authentications in this interval. @default 30_000 */
  readonly refreshIntervalMs?: number;
  readonly now?: () => number;
}

export class SecretsManagerWebhookSecrets implements WebhookSecrets {
  private cached: { readonly secrets: SecretsByProvider; readonly at: number } | undefined;
  private pending: Promise<SecretsByProvider> | undefined;
  private lastRefresh = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: SecretsManagerWebhookSecretsOptions) {
    this.now = options.now ?? Date.now;
  }

  async get(provider: ProviderName): Promise<string | undefined> {
    const ttl = this.options.ttlMs ?? 300_000;
    const cached = this.cached;
    if (cached && this.now() - cached.at < ttl) return secretFor(cached.secrets, provider);
    return secretFor(await this.read(), provider);
  }

  async refresh(provider: ProviderName): Promise<string | undefined> {
    const at = this.now();
    if (at - this.lastRefresh < (this.options.refreshIntervalMs ?? 30_000)) return undefined;
    this.lastRefresh = at;
    const before = this.cached ? secretFor(this.cached.secrets, provider) : undefined;
    const after = secretFor(await this.read(), provider);
    return after !== before ? after : undefined;
  }

  private read(): Promise<SecretsByProvider> {
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetch(): Promise<SecretsByProvider> {
    let text: string | undefined;
    try {
      const out = await this.options.client.send(
        new GetSecretValueCommand({ SecretId: this.options.secretId }),
      );
      text = out.SecretString;
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new WebhookError('WEBHOOK_SECRET_UNAVAILABLE', `reading the webhook secret failed: ${name}`, {
        retryable: true,
        cause: error,
      });
    }
    if (text === undefined)
      throw new WebhookError(
        'WEBHOOK_SECRET_FORMAT',
        'the webhook secret has no SecretString (binary secrets are not read)',
      );
    const secrets = parseWebhookSecret(text);
    this.cached = { secrets, at: this.now() };
    return secrets;
  }
}
