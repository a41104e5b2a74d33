import { describe, expect, it } from 'vitest';
import { ImageAllowList } from '../../../../lambdas/adapters/webhooks/allow-list.ts';
import { WebhookError } from '../../../../lambdas/adapters/webhooks/errors.ts';

describe('ImageAllowList', () => {
  const list = ImageAllowList.parse([
    'registry.example.com/shop',
    'ghcr.io/acme',
    'docker.io/acme',
    '127.0.0.1:5000',
    'harbor.example.com:8443/team/',
  ]);

  it.each([
    ['registry.example.com/shop/api', true],
    ['registry.example.com/shop', true],
    ['REGISTRY.example.com/shop/api', true],
    ['registry.example.com/shopping/api', false],
    ['registry.example.com/other/api', false],
    ['evil.example.com/shop/api', false],
    ['registry.example.com.evil.io/shop/api', false],
    ['ghcr.io/acme/api', true],
    ['ghcr.io/acme-corp/api', false],
    ['docker.io/acme/api', true],
    ['index.docker.io/acme/api', true],
    ['acme/api', true],
    ['nginx', false],
    ['127.0.0.1:5000/anything/at/all', true],
    ['127.0.0.1:5001/shop/api', false],
    ['harbor.example.com:8443/team/app', true],
    ['harbor.example.com/team/app', false],
    ['not an image', false],
  ])('%s → %s', (image, allowed) => {
    expect(list.allows(image)).toBe(allowed);
  });

  it('"*" lets every image through (the policies decide)', () => {
    const all = ImageAllowList.fromText('*');
    expect(all.allowsAll).toBe(true);
    expect(all.allows('anything.example.com/x')).toBe(true);
  });

  it('reads a comma/space list and a JSON array (as the construct sets it)', () => {
    expect(
      ImageAllowList.fromText('ghcr.io/acme, registry.example.com').allows('registry.example.com/x'),
    ).toBe(true);
    expect(ImageAllowList.fromText('["ghcr.io/acme"]').allows('ghcr.io/acme/api')).toBe(true);
  });

  it.each([
    ['shop/api'],
    ['registry.example.com/shop:1.0'],
    ['https://registry.example.com'],
    [''],
    ['[1]'],
    ['['],
  ])('refuses %j: an entry must name a registry host and an optional prefix', (text) => {
    expect(() => ImageAllowList.fromText(text)).toThrow(WebhookError);
  });
});
