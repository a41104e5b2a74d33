import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ecrImageName, parseEcrImage } from '../../../../lambdas/adapters/ecr/image.ts';

describe('ECR image names', () => {
  it.each([
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api',
      { registryId: '123456789012', region: 'eu-west-1', repositoryName: 'shop/api' },
    ],
    [
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api',
      { registryId: '123456789012', region: 'cn-north-1', repositoryName: 'api' },
    ],
    [
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/a/b/c',
      { registryId: '123456789012', region: 'us-gov-west-1', repositoryName: 'a/b/c' },
    ],
    [
      '123456789012.DKR.ECR.eu-west-1.AMAZONAWS.COM/shop/api',
      { registryId: '123456789012', region: 'eu-west-1', repositoryName: 'shop/api' },
    ],
  ])('%s is an ECR repository', (image, expected) => {
    expect(parseEcrImage(image)).toEqual(expected);
  });

  it.each([
    'ghcr.io/acme/api',
    'nginx',
    'public.ecr.aws/nginx/nginx',
    '12345.dkr.ecr.eu-west-1.amazonaws.com/api',
    'registry.example.com:5000/x',
  ])('%s is not', (image) => {
    expect(parseEcrImage(image)).toBeUndefined();
  });

  it('a pushed image name parses back to its repository', () => {
    const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/).filter((s) => s.length <= 30);
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{12}$/),
        fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'cn-northwest-1', 'us-gov-east-1'),
        fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
        (account, region, repositoryName) => {
          expect(parseEcrImage(ecrImageName(account, region, repositoryName))).toEqual({
            registryId: account,
            region,
            repositoryName,
          });
        },
      ),
    );
  });
});
