/** The registry console a PR links each new tag to, and the registries that get no link. */
import { describe, expect, it } from 'vitest';
import { registryPage } from '../../../../lambdas/core/image/registry-page.ts';
import { markdownLink } from '../../../../lambdas/core/apply/markdown.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('registryPage', () => {
  it.each([
    [
      'ECR, a tag',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api',
      undefined,
      'https://eu-west-1.console.aws.amazon.com/ecr/repositories/private/123456789012/shop/api?region=eu-west-1',
    ],
    [
      'ECR, with its digest: the image page',
      '123456789012.dkr.ecr.us-east-2.amazonaws.com/api',
      DIGEST,
      `https://us-east-2.console.aws.amazon.com/ecr/repositories/private/123456789012/api/_/image/${DIGEST}/details?region=us-east-2`,
    ],
    ['ECR Public', 'public.ecr.aws/nginx/nginx', undefined, 'https://gallery.ecr.aws/nginx/nginx'],
    ['GHCR', 'ghcr.io/acme/shop/api', undefined, 'https://ghcr.io/acme/shop/api'],
    ['Docker Hub, an official image', 'nginx', undefined, 'https://hub.docker.com/_/nginx/tags?name=1.4.3'],
    [
      'Docker Hub, a user image',
      'docker.io/bitnami/redis',
      undefined,
      'https://hub.docker.com/r/bitnami/redis/tags?name=1.4.3',
    ],
    [
      'Quay',
      'quay.io/prometheus/node-exporter',
      undefined,
      'https://quay.io/repository/prometheus/node-exporter?tab=tags&tag=1.4.3',
    ],
  ])('%s', (_, image, digest, url) => {
    expect(registryPage(image, '1.4.3', digest)?.url).toBe(url);
  });

  it.each([
    ['a self-hosted Distribution registry', 'registry.example.com:5000/shop/api'],
    ['Harbor', 'harbor.example.com/library/api'],
    ['ECR in China (another console)', '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api'],
    ['not an image name', 'Not An Image!'],
  ])('%s: no link rather than a guessed one', (_, image) => {
    expect(registryPage(image, '1.4.3')).toBeUndefined();
  });

  it('a digest that is not sha256 links the repository, not a made-up image page', () => {
    const page = registryPage('123456789012.dkr.ecr.eu-west-1.amazonaws.com/api', '1', 'md5:x');
    expect(page?.url).not.toContain('/_/image/');
  });
});

describe('markdownLink', () => {
  it.each([
    ['an https address', 'https://a.example/x?y=1', '[`t`](https://a.example/x?y=1)'],
    ['parentheses cannot end the destination', 'https://a.example/x)(y', '[`t`](https://a.example/x%29%28y)'],
    ['javascript: is never linked', 'javascript:alert(1)', '`t`'],
    ['http: is never linked', 'http://a.example/', '`t`'],
    ['not an address', 'no', '`t`'],
  ])('%s', (_, url, shown) => {
    expect(markdownLink('`t`', url)).toBe(shown);
  });
});
