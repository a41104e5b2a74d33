import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretError } from '../../../../lambdas/adapters/secrets/errors.ts';
import {
  GitHubCredentialsSource,
  parseGitHubCredentials,
} from '../../../../lambdas/adapters/secrets/github-credentials.ts';

const TOKEN = 'ghp_S3cr3tT0kenValue1234567890abcdefABCD';
let pkcs1: string;
let pkcs8: string;

beforeAll(() => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
});

/** The error's message, and everything about it a logger could print. */
function everythingPrintable(error: unknown): string {
  return `${String(error)} ${inspect(error, { depth: 5 })} ${JSON.stringify(error)}`;
}

describe('the GitHub secret format', () => {
  it('reads a token', () => {
    expect(parseGitHubCredentials(JSON.stringify({ token: TOKEN }), 'token')).toEqual({
      kind: 'token',
      token: TOKEN,
    });
  });

  it.each([
    ['a PKCS#1 key', () => pkcs1, () => pkcs1],
    ['a PKCS#8 key', () => pkcs8, () => pkcs8],
    ['a key pasted with literal \\n escapes', () => pkcs1.replace(/\n/g, '\\n'), () => pkcs1],
    ['a key with CRLF line ends', () => pkcs1.replace(/\n/g, '\r\n'), () => pkcs1],
  ])('reads a GitHub App with %s', (_name, stored, pem) => {
    const credentials = parseGitHubCredentials(
      JSON.stringify({ appId: '123456', privateKey: stored() }),
      'app',
    );
    expect(credentials).toEqual({ kind: 'app', appId: '123456', privateKey: pem() });
  });

  it('accepts a numeric app id and ignores other keys', () => {
    expect(
      parseGitHubCredentials(JSON.stringify({ appId: 42, privateKey: pkcs1, note: 'prod app' }), 'app'),
    ).toMatchObject({ kind: 'app', appId: '42' });
  });

  it.each([
    ['plain text instead of JSON', 'token', TOKEN, 'SECRET_FORMAT', 'not JSON'],
    ['a JSON string', 'token', JSON.stringify(TOKEN), 'SECRET_FORMAT', 'not a JSON object'],
    [
      'the App format when a token is expected',
      'token',
      JSON.stringify({ appId: '1', privateKey: 'k' }),
      'SECRET_FORMAT',
      '"token"',
    ],
    [
      'a token with white space',
      'token',
      JSON.stringify({ token: `${TOKEN} x` }),
      'SECRET_FORMAT',
      'white space',
    ],
    [
      'the placeholder the stack creates',
      'token',
      JSON.stringify({ token: '' }),
      'SECRET_NOT_CONFIGURED',
      'empty',
    ],
    ['a token when an App is expected', 'app', JSON.stringify({ token: TOKEN }), 'SECRET_FORMAT', '"appId"'],
    [
      'a private key that is not PEM',
      'app',
      JSON.stringify({ appId: '1', privateKey: TOKEN }),
      'SECRET_FORMAT',
      'PEM',
    ],
    [
      'an app id that is not a number',
      'app',
      JSON.stringify({ appId: 'my-app', privateKey: 'x' }),
      'SECRET_FORMAT',
      'numeric',
    ],
  ] as const)(
    'rejects %s, saying what is expected and never echoing the value',
    (_name, kind, text, code, says) => {
      let failure: unknown;
      try {
        parseGitHubCredentials(text, kind, 'secret prod/github');
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(SecretError);
      expect(failure).toMatchObject({ code, retryable: true });
      expect((failure as Error).message).toContain('secret prod/github');
      expect((failure as Error).message).toContain(says);
      expect(everythingPrintable(failure)).not.toContain(TOKEN);
    },
  );

  it('credentials print redacted, whoever logs them', () => {
    const token = parseGitHubCredentials(JSON.stringify({ token: TOKEN }), 'token');
    const app = parseGitHubCredentials(JSON.stringify({ appId: '7', privateKey: pkcs1 }), 'app');
    const printed = `${JSON.stringify({ token, app })} ${inspect(token)} ${inspect({ app })}`;
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain('PRIVATE KEY');
    expect(printed).toContain('redacted');
  });
});

describe('reading the secret from Secrets Manager', () => {
  const sm = mockClient(SecretsManagerClient);
  // Powertools Parameters reads the time from `Date`.
  const at = (ms: number) => vi.setSystemTime(ms);
  const source = (maxAgeSeconds = 60) =>
    new GitHubCredentialsSource({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
      secretId: 'prod/github',
      kind: 'token',
      maxAgeSeconds,
    });

  beforeEach(() => {
    sm.reset();
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves one value for its lifetime, then reads the secret again', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'prod/github' })
      .resolvesOnce({ SecretString: JSON.stringify({ token: 'ghp_first' }) })
      .resolves({ SecretString: JSON.stringify({ token: 'ghp_rotated' }) });
    const s = source();
    expect(await s.get()).toMatchObject({ token: 'ghp_first' });
    at(60_000);
    expect(await s.get()).toMatchObject({ token: 'ghp_first' });
    at(60_001);
    expect(await s.get()).toMatchObject({ token: 'ghp_rotated' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('returns the same credentials object while the value is unchanged, so clients built from it are kept', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: TOKEN }) });
    const s = source(1);
    const first = await s.get();
    at(2_000);
    expect(await s.get()).toBe(first);
  });

  it('concurrent readers share one request', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: TOKEN }) });
    const s = source();
    await Promise.all([s.get(), s.get(), s.get()]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads again after invalidate (GitHub rejected the credentials)', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ token: 'ghp_old' }) })
      .resolves({ SecretString: JSON.stringify({ token: 'ghp_new' }) });
    const s = source();
    await s.get();
    s.invalidate();
    expect(await s.get()).toMatchObject({ token: 'ghp_new' });
  });

  it('does not cache a failure', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(
        new SecretsManagerServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
      )
      .resolves({ SecretString: JSON.stringify({ token: TOKEN }) });
    const s = source();
    await expect(s.get()).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE', retryable: true });
    expect(await s.get()).toMatchObject({ token: TOKEN });
  });

  it.each([
    [
      'a missing secret',
      new ResourceNotFoundException({
        $metadata: { httpStatusCode: 400 },
        message: "Secrets Manager can't find the specified secret.",
      }),
      'SECRET_NOT_FOUND',
    ],
    [
      'a denied read',
      new SecretsManagerServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'not authorized',
      }),
      'SECRET_ACCESS_DENIED',
    ],
    [
      'a KMS decryption failure',
      new SecretsManagerServiceException({
        name: 'DecryptionFailure',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'kms',
      }),
      'SECRET_ACCESS_DENIED',
    ],
  ])('%s is a retryable SecretError naming the secret', async (_name, error, code) => {
    sm.on(GetSecretValueCommand).rejects(error);
    await expect(source().get()).rejects.toMatchObject({
      code,
      retryable: true,
      message: expect.stringContaining('prod/github'),
    });
  });

  it('a malformed value fails without the value in the error', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: `{"token": "${TOKEN}"` });
    const failure = await source()
      .get()
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'SECRET_FORMAT' });
    expect(everythingPrintable(failure)).not.toContain(TOKEN);
  });

  it('reads a binary secret as UTF-8', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretBinary: new TextEncoder().encode(JSON.stringify({ token: TOKEN })),
    });
    expect(await source().get()).toMatchObject({ kind: 'token', token: TOKEN });
  });
});
