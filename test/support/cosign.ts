/**
 * Signatures in the exact formats cosign writes, made with a key the test generates:
 * - the classic layout: a `sha256-<hex>.sig` OCI manifest, one layer per signature, the layer a
 *   simple-signing payload (`application/vnd.dev.cosignproject.cosign/simplesigning.v1+json`),
 *   the ECDSA P-256 / SHA-256 signature of its bytes base64 in the
 *   `dev.cosignproject.cosign/signature` annotation (cosign pkg/oci/static, pkg/cosign/payload);
 * - OCI 1.1 referrers: a manifest with `artifactType` and its one layer
 *   `application/vnd.dev.sigstore.bundle.v0.3+json`, the bundle a DSSE envelope of an in-toto
 *   statement whose subject is the image digest, `subject` pointing at the image (cosign's
 *   specs/BUNDLE_SPEC.md), and the referrers tag schema index `sha256-<hex>` for registries
 *   without the referrers API, as cosign writes it there.
 * Plus the few distribution API calls to push them, as cosign's client does.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicPem: string;
}

export function generateKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Blob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: digestOf(bytes), size: bytes.length, bytes };
}

/** The payload `cosign sign` signs (its JSON field order). */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
}

export function signBytes(bytes: Buffer, key: KeyObject): string {
  return sign('sha256', bytes, key).toString('base64');
}

export interface Artifact {
  /** The manifest, with its media type. */
  readonly manifest: Blob;
  /** The blobs it names (config and layers). */
  readonly blobs: readonly Blob[];
}

/** A `.sig` manifest with one layer per (payload, signature). */
export function sigManifest(
  signatures: readonly { payload: Buffer; signature: string; annotations?: Record<string, string> }[],
): Artifact {
  const layers = signatures.map((s) => ({
    ...blob('application/vnd.dev.cosignproject.cosign/simplesigning.v1+json', s.payload),
    annotations: { ...s.annotations, 'dev.cosignproject.cosign/signature': s.signature },
  }));
  const config = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({
        architecture: '',
        created: '0001-01-01T00:00:00Z',
        history: [{ created: '0001-01-01T00:00:00Z' }],
        os: '',
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
        config: {},
      }),
    ),
  );
  const descriptor = ({ mediaType, digest, size }: Blob) => ({ mediaType, digest, size });
  const manifest = blob(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: descriptor(config),
        layers: layers.map((l) => ({ ...descriptor(l), annotations: l.annotations })),
      }),
    ),
  );
  return { manifest, blobs: [config, ...layers] };
}

/** A signed `.sig` of `digest` for `reference`, in one call. */
export function signImage(key: TestKey, reference: string, digest: string): Artifact {
  const payload = simpleSigningPayload(reference, digest);
  return sigManifest([{ payload, signature: signBytes(payload, key.privateKey) }]);
}

const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const EMPTY = blob('application/vnd.oci.empty.v1+json', Buffer.from('{}'));

/** The in-toto statement cosign's bundle signs: the image digest as its subject. */
export function inTotoStatement(subjectName: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: subjectName, digest: { sha256: digest.slice('sha256:'.length) } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    }),
  );
}

export const IN_TOTO_TYPE = 'application/vnd.in-toto+json';

/** DSSE's pre-authentication encoding: what a DSSE signature signs. */
export const pae = (payloadType: string, payload: Buffer) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);

/** A Sigstore bundle (v0.3, public key) holding a DSSE envelope of an in-toto statement about `digest`. */
export function dsseBundle(key: TestKey, subjectName: string, digest: string): Buffer {
  const statement = inTotoStatement(subjectName, digest);
  return Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_TYPE,
      verificationMaterial: { publicKey: { hint: '' }, tlogEntries: [] },
      dsseEnvelope: {
        payload: statement.toString('base64'),
        payloadType: IN_TOTO_TYPE,
        signatures: [{ sig: signBytes(pae(IN_TOTO_TYPE, statement), key.privateKey), keyid: '' }],
      },
    }),
  );
}

/** A referrer manifest holding a bundle, about the image `subject`. */
export function bundleReferrer(
  bundle: Buffer,
  subject: { digest: string; mediaType: string; size: number },
): Artifact {
  const layer = blob(BUNDLE_TYPE, bundle);
  const descriptor = ({ mediaType, digest, size }: Blob) => ({ mediaType, digest, size });
  const manifest = blob(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: BUNDLE_TYPE,
        config: descriptor(EMPTY),
        layers: [descriptor(layer)],
        subject,
      }),
    ),
  );
  return { manifest, blobs: [EMPTY, layer] };
}

/** The referrers tag schema's index (`sha256-<hex>`) listing referrer manifests. */
export function referrersIndex(referrers: readonly Artifact[]): Blob {
  return blob(
    'application/vnd.oci.image.index.v1+json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: referrers.map(({ manifest }) => ({
          mediaType: manifest.mediaType,
          digest: manifest.digest,
          size: manifest.size,
          artifactType: BUNDLE_TYPE,
        })),
      }),
    ),
  );
}

/** Pushes an artifact's blobs, then its manifest under `reference`, over the distribution API. */
export async function pushArtifact(host: string, repository: string, reference: string, artifact: Artifact) {
  for (const b of artifact.blobs) await pushBlob(host, repository, b.bytes);
  await pushManifest(host, repository, reference, artifact.manifest);
}

async function pushBlob(host: string, repository: string, bytes: Buffer): Promise<void> {
  const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status}`);
  const location = new URL(start.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digestOf(bytes));
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
}

export async function pushManifest(host: string, repository: string, reference: string, manifest: Blob) {
  const put = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': manifest.mediaType },
    body: manifest.bytes,
  });
  if (put.status !== 201) throw new Error(`manifest put ${reference}: ${put.status} ${await put.text()}`);
}
