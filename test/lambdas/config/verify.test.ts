/** `verify` in the config: the forms it takes, and what it refuses with a clear message. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/config/load.ts';
import { generateKey } from '../../support/cosign.ts';

const pem = generateKey().publicPem.trim();
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cosign-pub-AbCdEf';

const config = (verify: string, where: 'policy' | 'defaults' = 'policy') =>
  [
    'version: 1',
    ...(where === 'defaults' ? ['defaults:', ...verify.split('\n').map((l) => `  ${l}`)] : []),
    'policies:',
    '  - name: api',
    '    image: ghcr.io/acme/api',
    ...(where === 'policy' ? verify.split('\n').map((l) => `    ${l}`) : []),
    '',
  ].join('\n');

const block = (text: string) =>
  ['verify:', '  cosign:', '    key: |', ...text.split('\n').map((l) => `      ${l}`)].join('\n');

describe('verify', () => {
  it.each([
    ['an inline PEM key', block(pem), { cosign: { key: `${pem}\n` } }],
    ['a Secrets Manager ARN', `verify: {cosign: {key: "${ARN}"}}`, { cosign: { key: ARN } }],
    [
      'keyless identity and issuer',
      'verify: {cosign: {identity: "https://github.com/acme/api/.github/workflows/release.yml@refs/heads/main", issuer: "https://token.actions.githubusercontent.com"}}',
      {
        cosign: {
          identity: 'https://github.com/acme/api/.github/workflows/release.yml@refs/heads/main',
          issuer: 'https://token.actions.githubusercontent.com',
        },
      },
    ],
  ])('accepts %s', (_name, verify, expected) => {
    const result = parseConfig(config(verify));
    expect(result.ok && result.config.policies[0]!.verify).toEqual(expected);
  });

  it('is inherited from defaults', () => {
    const result = parseConfig(config(`verify: {cosign: {key: "${ARN}"}}`, 'defaults'));
    expect(result.ok && result.config.policies[0]!.verify).toEqual({ cosign: { key: ARN } });
  });

  it.each([
    [
      'a private key',
      block('-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----'),
      'policies[0].verify.cosign',
    ],
    ['text that is no key', 'verify: {cosign: {key: "hello"}}', 'policies[0].verify.cosign'],
    [
      'an ARN of another service',
      'verify: {cosign: {key: "arn:aws:s3:::bucket/key.pub"}}',
      'policies[0].verify.cosign',
    ],
    ['an unknown key', `verify: {cosign: {key: "${ARN}"}, notation: {}}`, 'policies[0].verify.notation'],
    [
      'key and identity together',
      `verify: {cosign: {key: "${ARN}", identity: "x", issuer: "https://i"}}`,
      'policies[0].verify.cosign',
    ],
    [
      'an issuer that is not a URL',
      'verify: {cosign: {identity: "x", issuer: "github"}}',
      'policies[0].verify.cosign',
    ],
    ['an oversized key', `verify: {cosign: {key: "${'A'.repeat(9000)}"}}`, 'policies[0].verify.cosign'],
  ])('refuses %s, naming where', (_name, verify, path) => {
    const result = parseConfig(config(verify));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContainEqual(expect.stringContaining(path));
  });
});
