import { EventBridgeSchema as PowertoolsEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EcrImageActionEventSchema,
  EventBridgeSchema,
  interpretEcrImageAction,
} from '../../../../lambdas/adapters/ecr/event.ts';
import { corpusEvent } from '../../../support/corpus.ts';

const push = corpusEvent('ecr-image-action-push.json');
const withDetail = (detail: Record<string, unknown>) => ({
  ...push,
  detail: { ...(push.detail as object), ...detail },
});
const interpret = (event: unknown) => interpretEcrImageAction(EcrImageActionEventSchema.parse(event));

describe('ECR Image Action events (documentation samples)', () => {
  it('a successful push with a tag becomes the pushed image of the event account and region', () => {
    // The documented digest has 60 hex digits, not 64: it could never be written into a file.
    expect(interpret(push)).toEqual({
      kind: 'push',
      push: {
        image: '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name',
        tag: 'latest',
        pushedAt: new Date('2019-11-16T01:54:34Z'),
      },
    });
  });

  it('keeps a real sha256 digest', () => {
    const digest = `sha256:${'7f5b2640'.repeat(8)}`;
    expect(interpret(withDetail({ 'image-digest': digest, 'image-tag': '1.2.3' }))).toMatchObject({
      kind: 'push',
      push: { tag: '1.2.3', digest },
    });
  });

  it('a DELETE is ignored', () => {
    expect(interpret(corpusEvent('ecr-image-action-delete.json'))).toMatchObject({
      kind: 'ignored',
      reason: 'not-a-push',
    });
  });

  it('a scan event is not an Image Action', () => {
    expect(EcrImageActionEventSchema.safeParse(corpusEvent('ecr-image-scan.json')).success).toBe(false);
  });

  it.each([
    ['a failed push', { result: 'FAILURE' }, 'push-failed'],
    ['an untagged manifest (multi-arch child, push by digest)', { 'image-tag': '' }, 'untagged'],
    ['a push without image-tag at all', { 'image-tag': undefined }, 'untagged'],
    ['a cosign signature', { 'image-tag': 'sha256-7f5b2640fe6f.sig' }, 'referrer-tag'],
    ['an attestation', { 'image-tag': 'sha256-7f5b2640fe6f.att' }, 'referrer-tag'],
    ['an SBOM', { 'image-tag': 'sha256-7f5b2640fe6f.sbom' }, 'referrer-tag'],
    ['a tag outside the OCI grammar', { 'image-tag': '-bad' }, 'invalid-tag'],
  ])('%s is ignored', (_name, detail, reason) => {
    expect(interpret(withDetail(detail))).toMatchObject({ kind: 'ignored', reason });
  });

  it.each([`sha256-${'c'.repeat(64)}.sig`, `sha256-${'c'.repeat(64)}`])(
    'passes the signature tag %s on as a push: it can release an image held for its signature',
    (tag) => {
      expect(interpret(withDetail({ 'image-tag': tag }))).toMatchObject({ kind: 'push', push: { tag } });
    },
  );

  it('keeps fields ECR added later (manifest and artifact media types)', () => {
    const event = withDetail({
      'manifest-media-type': 'application/vnd.oci.image.index.v1+json',
      'artifact-media-type': 'application/vnd.oci.image.config.v1+json',
      'image-tag': 'v1.2.3',
    });
    expect(interpret(event)).toMatchObject({ kind: 'push', push: { tag: 'v1.2.3' } });
  });

  it.each(['not a digest', 'sha512:abc', `sha256:${'A'.repeat(64)}`])(
    'drops the digest %s, which could not be written into a file, and keeps the push',
    (digest) => {
      expect(interpret(withDetail({ 'image-digest': digest }))).toEqual({
        kind: 'push',
        push: {
          image: '123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name',
          tag: 'latest',
          pushedAt: new Date('2019-11-16T01:54:34Z'),
        },
      });
    },
  );

  it('names China-region images with the .amazonaws.com.cn suffix', () => {
    const result = interpret({ ...push, region: 'cn-north-1' });
    expect(result).toMatchObject({
      kind: 'push',
      push: { image: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/my-repository-name' },
    });
  });

  it.each([
    ['an account that is not 12 digits', { account: '1234' }],
    [
      'an uppercase repository name',
      { detail: { ...(push.detail as object), 'repository-name': 'My/Repo' } },
    ],
    ['a time that is not ISO 8601', { time: 'yesterday' }],
    ['a missing action-type', { detail: { result: 'SUCCESS', 'repository-name': 'repo' } }],
  ])('rejects %s', (_name, change) => {
    expect(EcrImageActionEventSchema.safeParse({ ...push, ...change }).success).toBe(false);
  });

  it('reads the envelope exactly as the Powertools parser schema does', () => {
    const samples = ['ecr-image-action-push.json', 'ecr-image-action-delete.json', 'ecr-image-scan.json'].map(
      corpusEvent,
    );
    const envelope = fc.record(
      {
        version: fc.constantFrom('0', 0),
        id: fc.uuid(),
        source: fc.constantFrom('aws.ecr', 'aws.ec2'),
        account: fc.stringMatching(/^\d{12}$/),
        time: fc.constantFrom('2019-11-16T01:54:34Z', '2019-11-16T01:54:34.123Z', 'not-a-time', '2019-11-16'),
        region: fc.constantFrom('us-west-2', 'eu-central-1'),
        resources: fc.constantFrom([], ['arn:aws:ecr:us-east-1:123456789012:repository/x'], [1]),
        'detail-type': fc.constantFrom('ECR Image Action', 'ECR Image Scan'),
        detail: fc.object(),
        'replay-name': fc.constantFrom('archive', 3),
      },
      { requiredKeys: ['id', 'source'] },
    );
    for (const sample of samples)
      expect(EventBridgeSchema.safeParse(sample).success).toBe(
        PowertoolsEventBridgeSchema.safeParse(sample).success,
      );
    fc.assert(
      fc.property(envelope, (event) => {
        expect(EventBridgeSchema.safeParse(event).success).toBe(
          PowertoolsEventBridgeSchema.safeParse(event).success,
        );
      }),
      { numRuns: 300 },
    );
  });
});
