/**
 * The ECR image reader: `BatchGetImage` for manifests (the digest checked against the bytes),
 * `GetDownloadUrlForLayer` and a GET of the pre-signed URL (served here on loopback) for blobs,
 * ECR's answers translated into the port's codes. moto derives image digests from the layers,
 * not from the manifest's bytes as ECR does, so this tier uses the SDK mock.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchGetImageCommand, ECRClient, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EcrImageReader } from '../../../../lambdas/adapters/ecr/image-reader.ts';

const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MANIFEST = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}';
const PAYLOAD = '{"critical":{}}';

const ecr = mockClient(ECRClient);
let server: Server;
let base: string;
const reader = () => new EcrImageReader({ clientFor: (region) => new ECRClient({ region }) });
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/layer') return res.end(PAYLOAD);
    if (req.url === '/tampered') return res.end('something else');
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => ecr.reset());

describe('EcrImageReader', () => {
  it('reads a manifest by tag with BatchGetImage, in the watched repository of the image', async () => {
    ecr.on(BatchGetImageCommand).resolves({
      images: [
        {
          imageManifest: MANIFEST,
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
          imageId: { imageDigest: sha(MANIFEST), imageTag: '1.0.0' },
        },
      ],
    });
    expect(await reader().manifest(IMAGE, '1.0.0')).toMatchObject({ digest: sha(MANIFEST) });
    expect(ecr.commandCalls(BatchGetImageCommand)[0]!.args[0].input).toMatchObject({
      registryId: '111122223333',
      repositoryName: 'shop/api',
      imageIds: [{ imageTag: '1.0.0' }],
    });
  });

  it('answers undefined for an image ECR does not have, and an error for one whose bytes are not its digest', async () => {
    ecr.on(BatchGetImageCommand).resolves({ images: [], failures: [{ failureCode: 'ImageNotFound' }] });
    expect(await reader().manifest(IMAGE, `sha256-${'a'.repeat(64)}.sig`)).toBeUndefined();
    ecr.on(BatchGetImageCommand).resolves({
      images: [{ imageManifest: MANIFEST, imageId: { imageDigest: `sha256:${'b'.repeat(64)}` } }],
    });
    expect(await errorOf(reader().manifest(IMAGE, `sha256:${'b'.repeat(64)}`))).toMatchObject({
      code: 'IMAGE_READ_BAD_RESPONSE',
    });
  });

  it('reads a blob through its pre-signed download URL, checking its digest', async () => {
    ecr
      .on(GetDownloadUrlForLayerCommand, { layerDigest: sha(PAYLOAD) })
      .resolves({ downloadUrl: `${base}/layer` });
    expect(Buffer.from((await reader().blob(IMAGE, sha(PAYLOAD), 1024))!).toString()).toBe(PAYLOAD);
    ecr.on(GetDownloadUrlForLayerCommand).resolves({ downloadUrl: `${base}/tampered` });
    expect(await errorOf(reader().blob(IMAGE, sha(PAYLOAD), 1024))).toMatchObject({
      code: 'IMAGE_READ_BAD_RESPONSE',
    });
  });

  it.each([
    ['LayersNotFoundException', undefined],
    ['AccessDeniedException', 'IMAGE_READ_UNAUTHORIZED'],
    ['ThrottlingException', 'IMAGE_READ_UNAVAILABLE'],
  ])('translates %s', async (name, code) => {
    ecr
      .on(GetDownloadUrlForLayerCommand)
      .rejects(Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } }));
    const result = reader().blob(IMAGE, sha(PAYLOAD), 1024);
    if (code === undefined) expect(await result).toBeUndefined();
    else expect(await errorOf(result)).toMatchObject({ code });
  });
});
