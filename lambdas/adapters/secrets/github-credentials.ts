/**
 * GitHub credentials from AWS Secrets Manager (SPEC §6), cached per warm function instance for
 * a bounded time so a rotated secret is picked up without a redeploy (`CachedSecret`).
 *
 * The secret is a JSON object, one of:
 *   { "token": "ghp_…" }                                     a fine-grained or classic token
 *   { "appId": "123456", "privateKey": "-----BEGIN …" }      a GitHub App (PKCS#1 or PKCS#8 PEM)
 * The stack's `githubAuth` says which one it expects. Other keys are ignored. A private key
 * pasted with literal `\n` escapes is accepted.
 */
import * as z from 'zod';
import { CachedSecret, secretText, type CachedSecretOptions } from './cached-secret.ts';
import { SecretError } from './errors.ts';

export type GitHubAuthKind = 'token' | 'app';

export type GitHubCredentials =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'app'; readonly appId: string; readonly privateKey: string };

const TokenSecretSchema = z.object({ token: z.string() });
const AppSecretSchema = z.object({
  appId: z.union([z.string(), z.number().int().positive()]).transform(String),
  privateKey: z.string(),
});

const PEM = /^-----BEGIN (?:RSA )?PRIVATE KEY-----\n[\s\S]+\n-----END (?:RSA )?PRIVATE KEY-----\s*$/;

/** Validates the secret's text. Errors name the fields that are wrong, never their content. */
export function parseGitHubCredentials(
  secretString: string,
  kind: GitHubAuthKind,
  secretName = 'the GitHub secret',
): GitHubCredentials {
  const expected =
    kind === 'token'
      ? '{"token": "<GitHub token>"}'
      : '{"appId": "<GitHub App id>", "privateKey": "<PEM private key>"}';
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    // No cause: the JSON parser's message quotes the text, which is the secret.
    throw new SecretError('SECRET_FORMAT', `${secretName} is not JSON; expected ${expected}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SecretError('SECRET_FORMAT', `${secretName} is not a JSON object; expected ${expected}`);
  }
  if (kind === 'token') {
    const parsed = TokenSecretSchema.safeParse(value);
    if (!parsed.success)
      throw new SecretError('SECRET_FORMAT', `${secretName}: ${fields(parsed.error)}; expected ${expected}`);
    const token = parsed.data.token.trim();
    if (token === '')
      throw new SecretError(
        'SECRET_NOT_CONFIGURED',
        `${secretName} has an empty "token"; put a GitHub token in it`,
      );
    if (/\s/.test(token))
      throw new SecretError('SECRET_FORMAT', `${secretName}: "token" contains white space`);
    return redacted({ kind: 'token', token });
  }
  const parsed = AppSecretSchema.safeParse(value);
  if (!parsed.success)
    throw new SecretError('SECRET_FORMAT', `${secretName}: ${fields(parsed.error)}; expected ${expected}`);
  const appId = parsed.data.appId.trim();
  const privateKey = parsed.data.privateKey.replace(/\\n/g, '\n').replace(/\r\n/g, '\n').trim() + '\n';
  if (appId === '' || parsed.data.privateKey.trim() === '') {
    throw new SecretError(
      'SECRET_NOT_CONFIGURED',
      `${secretName} has an empty "appId" or "privateKey"; put the GitHub App's id and private key in it`,
    );
  }
  if (!/^\d+$/.test(appId))
    throw new SecretError('SECRET_FORMAT', `${secretName}: "appId" must be the App's numeric id`);
  if (!PEM.test(privateKey))
    throw new SecretError(
      'SECRET_FORMAT',
      `${secretName}: "privateKey" is not a PEM private key (-----BEGIN … PRIVATE KEY-----)`,
    );
  return redacted({ kind: 'app', appId, privateKey });
}

function fields(error: z.ZodError): string {
  return error.issues
    .map(
      (i) =>
        `"${i.path.map(String).join('.')}" ${i.code === 'invalid_type' ? 'is missing or not a string' : 'is invalid'}`,
    )
    .join(', ');
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Credentials that print as `[redacted]` in JSON logs and `console.log`, whatever logs them. */
function redacted<T extends GitHubCredentials>(credentials: T): T {
  const shown = { kind: credentials.kind, redacted: true };
  Object.defineProperty(credentials, 'toJSON', { value: () => shown, enumerable: false });
  Object.defineProperty(credentials, INSPECT, {
    value: () => `GitHubCredentials(${credentials.kind}, [redacted])`,
    enumerable: false,
  });
  return Object.freeze(credentials);
}

export interface GitHubCredentialsSourceOptions extends CachedSecretOptions {
  readonly kind: GitHubAuthKind;
}

/**
 * Reads and caches the credentials (see `CachedSecret`). While the secret's text is unchanged
 * the same credentials object is returned, so a caller can keep clients built from it (and
 * their installation tokens) across refreshes.
 */
export class GitHubCredentialsSource {
  private readonly secret: CachedSecret;
  private parsed: { readonly credentials: GitHubCredentials; readonly text: string } | undefined;

  constructor(private readonly options: GitHubCredentialsSourceOptions) {
    this.secret = new CachedSecret(options);
  }

  async get(): Promise<GitHubCredentials> {
    const { secretId, kind } = this.options;
    let text: string | undefined;
    try {
      text = secretText(await this.secret.read());
    } catch (error) {
      throw toSecretError(error, secretId);
    }
    if (text === undefined) throw new SecretError('SECRET_NOT_CONFIGURED', `secret ${secretId} has no value`);
    if (this.parsed?.text !== text)
      this.parsed = { credentials: parseGitHubCredentials(text, kind, `secret ${secretId}`), text };
    return this.parsed.credentials;
  }

  /** Forget the value, e.g. after GitHub answered 401: the next `get` reads the secret again. */
  invalidate(): void {
    this.secret.invalidate();
  }
}

function toSecretError(error: unknown, secretId: string): SecretError {
  const e = (error ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  // AWS error messages name the secret and the caller, not the value.
  const detail = `GetSecretValue ${secretId}: ${name}: ${e.message ?? ''}`.trim();
  if (name === 'ResourceNotFoundException')
    return new SecretError('SECRET_NOT_FOUND', detail, { cause: error });
  if (
    name === 'AccessDeniedException' ||
    name === 'DecryptionFailure' ||
    e.$metadata?.httpStatusCode === 403
  ) {
    return new SecretError('SECRET_ACCESS_DENIED', detail, { cause: error });
  }
  return new SecretError('SECRET_UNAVAILABLE', detail, { cause: error });
}
