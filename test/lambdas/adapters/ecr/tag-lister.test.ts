import {
  DescribeImagesCommand,
  ECRClient,
  ECRServiceException,
  RepositoryNotFoundException,
  ServerException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcrError } from '../../../../lambdas/adapters/ecr/errors.ts';
import { EcrTagLister } from '../../../../lambdas/adapters/ecr/tag-lister.ts';

const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const at = (s: string) => new Date(`2026-01-0${s}T00:00:00Z`);

const ecr = mockClient(ECRClient);
const regions: string[] = [];
const lister = (options: { maxPages?: number; pageSize?: number } = {}) =>
  new EcrTagLister({
    clientFor: (region) => {
      regions.push(region);
      return new ECRClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    },
    ...options,
  });

beforeEach(() => {
  ecr.reset();
  regions.length = 0;
});

describe('ECR tag lister', () => {
  it('lists every tag of every page with digest and push time, in the account and region of the image', async () => {
    const pages: Record<string, { imageDetails: object[]; nextToken?: string }> = {
      '': {
        imageDetails: [{ imageDigest: D(1), imageTags: ['1.0.0', 'stable'], imagePushedAt: at('1') }],
        nextToken: 'p2',
      },
      p2: {
        imageDetails: [{ imageDigest: D(2), imageTags: ['1.1.0'], imagePushedAt: at('2') }],
        nextToken: 'p3',
      },
      p3: { imageDetails: [{ imageDigest: D(3), imageTags: ['2.0.0'], imagePushedAt: at('3') }] },
    };
    const requests: object[] = [];
    ecr.on(DescribeImagesCommand).callsFake((input: { nextToken?: string }) => {
      // The paginator reuses one input object: copy it as it was at the time of the call.
      requests.push({ ...input });
      return pages[input.nextToken ?? ''];
    });

    const tags = await lister().listTags(IMAGE);

    expect(tags).toEqual([
      { tag: '1.0.0', digest: D(1), pushedAt: at('1') },
      { tag: 'stable', digest: D(1), pushedAt: at('1') },
      { tag: '1.1.0', digest: D(2), pushedAt: at('2') },
      { tag: '2.0.0', digest: D(3), pushedAt: at('3') },
    ]);
    expect(regions).toEqual(['eu-west-1']);
    expect(requests).toEqual([
      {
        registryId: '111122223333',
        repositoryName: 'shop/api',
        filter: { tagStatus: 'TAGGED' },
        maxResults: 1000,
        nextToken: undefined,
      },
      {
        registryId: '111122223333',
        repositoryName: 'shop/api',
        filter: { tagStatus: 'TAGGED' },
        maxResults: 1000,
        nextToken: 'p2',
      },
      {
        registryId: '111122223333',
        repositoryName: 'shop/api',
        filter: { tagStatus: 'TAGGED' },
        maxResults: 1000,
        nextToken: 'p3',
      },
    ]);
  });

  it('leaves out OCI referrers (signatures, SBOMs) that carry a subject', async () => {
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: D(1), imageTags: ['1.0.0'], imagePushedAt: at('1') },
        { imageDigest: D(2), imageTags: ['sbom-1.0.0'], imagePushedAt: at('2'), subjectManifestDigest: D(1) },
      ],
    });
    expect((await lister().listTags(IMAGE)).map((t) => t.tag)).toEqual(['1.0.0']);
  });

  it('reuses one client per region', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [] });
    const l = lister();
    await l.listTags(IMAGE);
    await l.listTags('111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web');
    await l.listTags('111122223333.dkr.ecr.us-east-1.amazonaws.com/shop/web');
    expect(regions).toEqual(['eu-west-1', 'us-east-1']);
  });

  it.each([
    [
      'throttling',
      new ECRServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
      'ECR_THROTTLED',
      true,
    ],
    [
      'a server error',
      new ServerException({ $metadata: { httpStatusCode: 500 }, message: 'internal' }),
      'ECR_UNAVAILABLE',
      true,
    ],
    [
      'a network failure',
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
      'ECR_UNAVAILABLE',
      true,
    ],
    [
      'a missing repository',
      new RepositoryNotFoundException({ $metadata: { httpStatusCode: 400 }, message: 'no such repository' }),
      'ECR_REPOSITORY_NOT_FOUND',
      false,
    ],
    [
      'a denied call',
      new ECRServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'not authorized',
      }),
      'ECR_ACCESS_DENIED',
      false,
    ],
  ])('%s becomes an EcrError that says whether to retry', async (_name, error, code, retryable) => {
    ecr.on(DescribeImagesCommand).rejects(error);
    const failure = await lister()
      .listTags(IMAGE)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EcrError);
    expect(failure).toMatchObject({ code, retryable });
    expect((failure as Error).message).toContain('shop/api');
  });

  it('throttling on a later page fails the whole listing rather than returning part of it', async () => {
    ecr
      .on(DescribeImagesCommand)
      .resolvesOnce({
        imageDetails: [{ imageDigest: D(1), imageTags: ['1.0.0'], imagePushedAt: at('1') }],
        nextToken: 'p2',
      })
      .rejectsOnce(
        new ECRServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
      );
    await expect(lister().listTags(IMAGE)).rejects.toMatchObject({ code: 'ECR_THROTTLED', retryable: true });
  });

  it('stops a runaway listing', async () => {
    ecr.on(DescribeImagesCommand).callsFake((input: { nextToken?: string }) => ({
      imageDetails: [{ imageDigest: D(1), imageTags: [`t${input.nextToken ?? 0}`] }],
      nextToken: String(Number(input.nextToken ?? 0) + 1),
    }));
    await expect(lister({ maxPages: 3, pageSize: 1 }).listTags(IMAGE)).rejects.toMatchObject({
      code: 'ECR_TOO_MANY_IMAGES',
      retryable: false,
    });
  });

  it('knows ECR images only', async () => {
    const l = lister();
    expect(l.supports(IMAGE)).toBe(true);
    expect(l.supports('ghcr.io/acme/api')).toBe(false);
    await expect(l.listTags('ghcr.io/acme/api')).rejects.toMatchObject({ code: 'ECR_NOT_AN_ECR_IMAGE' });
  });
});
