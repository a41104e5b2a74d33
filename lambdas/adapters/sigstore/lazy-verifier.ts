/**
 * The signature verifier as the worker, the reconcile and `serve` hold it: the Sigstore
 * libraries load on the first policy with `verify` (an ESM chunk of its own, so the initial
 * import stays small, SPEC §10), and a digest that verified is remembered for the instance's
 * life (a valid signature stays valid; a failure is always checked again).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LRUCache } from 'lru-cache';
import { canonicalImageName } from '../../core/image/reference.ts';
import type { Verdict, VerifyRequest } from '../../core/verify/types.ts';
import type { ImageReader } from '../../ports/image-reader.ts';
import type { SignatureVerifier } from '../../ports/signature-verifier.ts';
import { CachedSecret, secretText } from '../secrets/cached-secret.ts';
import type { TrustRootSource } from '../../ports/trust-root.ts';
import { VerifyKeyError } from './errors.ts';
import { tufTrustRoot } from './tuf-trust-root.ts';

/** Answers that the same read will get again until a person changes the secret or the stack. */
const PERMANENT = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'InvalidRequestException',
  'DecryptionFailure',
  'InvalidParameterException',
]);

export interface LazyVerifierOptions {
  readonly reader: ImageReader;
  /**
   * Reads a key that a policy names by Secrets Manager ARN. @default a Secrets Manager client of
   * the function's region and credentials
   */
  readonly secretsClient?: () => SecretsManagerClient;
  /**
   * Which secrets a config may name as its key. A config is written by whoever can commit to the
   * environment repository: it must not make the updater read another secret its role can read
   * (the GitHub credentials). @default every secret (`serve`, whose credentials its user chose)
   */
  readonly keySecretAllowed?: (arn: string) => boolean;
  /** How long a key read from a secret is trusted. @default 300 */
  readonly maxAgeSeconds?: number;
  /**
   * The trusted root keyless signatures are checked against. @default the Sigstore public good
   * instance's, from its TUF repository on the first keyless check (`tuf-trust-root.ts`)
   */
  readonly trustRoot?: TrustRootSource;
}

export function lazySignatureVerifier(options: LazyVerifierOptions): SignatureVerifier {
  let loaded: Promise<SignatureVerifier> | undefined;
  const verified = new LRUCache<string, Verdict>({ max: 1000 });
  // Repositories of one batch that verify the same digest at once share one verification.
  const pending = new Map<string, Promise<Verdict>>();
  const secrets = new Map<string, CachedSecret>();
  let client: SecretsManagerClient | undefined;
  const keyText = async (key: string): Promise<string> => {
    if (!key.startsWith('arn:')) return key;
    if (options.keySecretAllowed && !options.keySecretAllowed(key))
      throw new VerifyKeyError(
        'VERIFY_KEY_UNREADABLE',
        'the key secret is not one the deployment allows (verifyKeySecretArns)',
      );
    let secret = secrets.get(key);
    if (!secret) {
      client ??= options.secretsClient?.() ?? new SecretsManagerClient({});
      secret = new CachedSecret({ client, secretId: key, maxAgeSeconds: options.maxAgeSeconds ?? 300 });
      secrets.set(key, secret);
    }
    let value;
    try {
      value = await secret.read();
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new VerifyKeyError(
        PERMANENT.has(name) ? 'VERIFY_KEY_UNREADABLE' : 'VERIFY_KEY_UNAVAILABLE',
        `the verify key secret could not be read: ${name}`,
        { cause: error },
      );
    }
    const text = secretText(value);
    if (text === undefined)
      throw new VerifyKeyError('VERIFY_KEY_UNREADABLE', 'the verify key secret is empty');
    return text;
  };
  const load = () =>
    (loaded ??= import('./cosign-verifier.ts').then(
      ({ CosignVerifier }) =>
        new CosignVerifier(options.reader, keyText, options.trustRoot ?? tufTrustRoot()),
    ));
  return {
    async verify(request: VerifyRequest): Promise<Verdict> {
      const memo =
        request.digest === undefined
          ? undefined
          : `${canonicalImageName(request.image) ?? request.image}@${request.digest} ${JSON.stringify(request.verify)}`;
      const known = memo === undefined ? undefined : verified.get(memo);
      if (known) return known;
      if (memo === undefined) return (await load()).verify(request);
      let running = pending.get(memo);
      if (!running) {
        running = load()
          .then((v) => v.verify(request))
          .finally(() => pending.delete(memo));
        pending.set(memo, running);
      }
      const verdict = await running;
      if (verdict.ok) verified.set(memo, verdict);
      return verdict;
    },
  };
}
