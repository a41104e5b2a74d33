import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from '../../../../lambdas/adapters/registry/www-authenticate.ts';

describe('parseWwwAuthenticate', () => {
  it.each([
    [
      'Docker Hub',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/nginx:pull',
          },
        },
      ],
    ],
    [
      'GHCR',
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/api:pull"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/api:pull' },
        },
      ],
    ],
    ['basic', 'Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    [
      'two challenges, spaces after commas',
      'Basic realm="a", Bearer realm="https://x/token", service="x"',
      [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'https://x/token', service: 'x' } },
      ],
    ],
    [
      'unquoted values, escaped quotes, any case',
      'BEARER Realm=https://x/t,error="a \\"b\\""',
      [{ scheme: 'bearer', params: { realm: 'https://x/t', error: 'a "b"' } }],
    ],
    ['nothing', '', []],
  ])('%s', (_what, header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
});
