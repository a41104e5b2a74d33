/**
 * The webhook secrets. One secret string serves every provider, or a JSON object names one per
 * provider (`{"distribution": "…", "ghcr": "…", "default": "…"}`): a leaked Docker Hub URL
 * secret then does not open the GHCR endpoint. A provider with no secret authenticates nothing.
 * GitHub's own events (`github`) take only their own key, never `default`: they steer every
 * repository of the installation, and their secret is set in the App's settings, not a registry's.
 * So do health reports (`argocd`, `flux`): they release `when: healthy` promotions.
 */
import { CachedSecret, type CachedSecretOptions, type SecretValue } from '../secrets/cached-secret.ts';
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
  // `{}` would start, then answer 401 to every webhook.
  if (Object.keys(secrets).length === 0)
    throw new WebhookError(
      'WEBHOOK_SECRET_FORMAT',
      `${name} names no secret: give "default" or one of ${PROVIDER_NAMES.join(', ')}`,
    );
  return secrets;
}

/** Events that steer repositories (GitHub's) or release promotions (health reports): never `default`. */
const OWN_SECRET_ONLY: ReadonlySet<ProviderName> = new Set(['github', 'argocd', 'flux']);

function secretFor(secrets: SecretsByProvider, provider: ProviderName): string | undefined {
  return OWN_SECRET_ONLY.has(provider) ? secrets[provider] : (secrets[provider] ?? secrets.default);
}

/** Secrets fixed for the process's life (`serve`, tests). */
export function staticWebhookSecrets(secrets: SecretsByProvider | string): WebhookSecrets {
  const parsed = typeof secrets === 'string' ? parseWebhookSecret(secrets) : secrets;
  return { get: async (provider) => secretFor(parsed, provider) };
}

export interface SecretsManagerWebhookSecretsOptions extends CachedSecretOptions {
  /** At most one re-read for failed authentications in this interval. @default 30_000 */
  readonly refreshIntervalMs?: number;
}

export class SecretsManagerWebhookSecrets implements WebhookSecrets {
  private readonly secret: CachedSecret;
  private parsed: { readonly secrets: SecretsByProvider; readonly text: string } | undefined;
  private lastRefresh = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SecretsManagerWebhookSecretsOptions) {
    this.secret = new CachedSecret(options);
  }

  async get(provider: ProviderName): Promise<string | undefined> {
    return secretFor(await this.read(), provider);
  }

  async refresh(provider: ProviderName): Promise<string | undefined> {
    const at = Date.now();
    if (at - this.lastRefresh < (this.options.refreshIntervalMs ?? 30_000)) return undefined;
    this.lastRefresh = at;
    const before = this.parsed ? secretFor(this.parsed.secrets, provider) : undefined;
    this.secret.invalidate();
    const after = secretFor(await this.read(), provider);
    return after !== before ? after : undefined;
  }

  private async read(): Promise<SecretsByProvider> {
    let value: SecretValue;
    try {
      value = await this.secret.read();
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new WebhookError('WEBHOOK_SECRET_UNAVAILABLE', `reading the webhook secret failed: ${name}`, {
        retryable: true,
        cause: error,
      });
    }
    if (typeof value !== 'string')
      throw new WebhookError(
        'WEBHOOK_SECRET_FORMAT',
        'the webhook secret has no SecretString (binary secrets are not read)',
      );
    if (this.parsed?.text !== value) this.parsed = { secrets: parseWebhookSecret(value), text: value };
    return this.parsed.secrets;
  }
}
