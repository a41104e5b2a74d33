/**
 * One Secrets Manager secret, read through Powertools Parameters' `SecretsProvider`, which keeps
 * the value for `maxAgeSeconds` so a rotated secret is picked up without a redeploy.
 *
 * Two things Parameters does not do are added here, because callers rely on them:
 * - concurrent readers share one `GetSecretValue`: Parameters fills its cache only once a read
 *   has returned, so the repositories of a cold batch would each read the secret;
 * - a failed read rejects with the AWS SDK's own error, not Parameters' `GetParameterError`
 *   wrapper, so callers translate it by its `name` as for any other SDK call.
 */
import { GetParameterError } from '@aws-lambda-powertools/parameters/errors';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface CachedSecretOptions {
  /** Injected so tests use a mock and the moto tier its endpoint (`AWS_ENDPOINT_URL`). */
  readonly client: SecretsManagerClient;
  /** Name or ARN. */
  readonly secretId: string;
  /**
   * How long a read value is trusted. Bounds how long a rotated or revoked secret stays in use;
   * each refresh is one `GetSecretValue` call.
   * @default 300
   */
  readonly maxAgeSeconds?: number;
}

/** The secret's `SecretString`, or its `SecretBinary` when it has no string; undefined if neither. */
export type SecretValue = string | Uint8Array | undefined;

export class CachedSecret {
  private readonly provider: SecretsProvider;
  private pending: Promise<SecretValue> | undefined;
  private stale = false;

  constructor(private readonly options: CachedSecretOptions) {
    this.provider = new SecretsProvider({ awsSdkV3Client: options.client });
  }

  get secretId(): string {
    return this.options.secretId;
  }

  /** The cached value, or a fresh read when it expired or was invalidated. A failure is not cached. */
  read(): Promise<SecretValue> {
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The next `read` asks Secrets Manager again, e.g. after the value was refused. */
  invalidate(): void {
    this.stale = true;
  }

  private async fetch(): Promise<SecretValue> {
    const forceFetch = this.stale;
    this.stale = false;
    try {
      return (await this.provider.get(this.options.secretId, {
        maxAge: this.options.maxAgeSeconds ?? 300,
        forceFetch,
      })) as SecretValue;
    } catch (error) {
      if (forceFetch) this.stale = true;
      throw error instanceof GetParameterError && error.cause !== undefined ? error.cause : error;
    }
  }
}

/** A binary secret read as UTF-8 text. */
export function secretText(value: SecretValue): string | undefined {
  return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value;
}
