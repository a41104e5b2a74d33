/**
 * A locally made Sigstore instance for keyless tests (no network): a Fulcio-like CA, a CT log
 * key and a Rekor-like log key, published as a `trusted_root.json` (the JSON form of Sigstore's
 * TrustedRoot, what `@sigstore/tuf` hands out for the public good instance), and cosign keyless
 * signatures in its exact `.sig` layout:
 * - a short-lived leaf certificate (ECDSA P-256) with the identity as its subject alternative
 *   name (email or URI), the OIDC issuer in Fulcio's extensions (1.3.6.1.4.1.57264.1.8, a DER
 *   UTF8String, and the legacy .1.1, raw) and an embedded SCT signed by the CT key over the
 *   precertificate (RFC 6962 §3.2), as Fulcio issues it;
 * - the signature of the simple-signing payload in `dev.cosignproject.cosign/signature`, the leaf
 *   and chain PEM in `dev.sigstore.cosign/certificate` and `…/chain`, and in
 *   `dev.sigstore.cosign/bundle` the Rekor entry: a hashedrekord 0.0.1 body and the signed entry
 *   timestamp over `{body, integratedTime, logIndex, logID}` (canonical JSON), as cosign writes it
 *   (cosign pkg/cosign/bundle, pkg/oci/static).
 * Certificates are built with @peculiar/x509 (what @sigstore/mock builds its fixtures with).
 */
import 'reflect-metadata';
import { createHash, KeyObject, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { json } from '@sigstore/core';
import { X509Certificate as SigstoreCertificate, EXTENSION_OID_SCT } from '@sigstore/core';
import {
  IN_TOTO_TYPE,
  inTotoStatement,
  pae,
  sigManifest,
  simpleSigningPayload,
  type Artifact,
} from './cosign.ts';

x509.cryptoProvider.set(webcrypto as never);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

interface KeyPair {
  readonly crypto: webcrypto.CryptoKeyPair;
  readonly privateKey: KeyObject;
  readonly spki: Buffer;
}

async function keyPair(): Promise<KeyPair> {
  const pair = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return {
    crypto: pair,
    privateKey: KeyObject.from(pair.privateKey),
    spki: Buffer.from(await webcrypto.subtle.exportKey('spki', pair.publicKey)),
  };
}

interface Authority {
  readonly key: KeyPair;
  readonly cert: x509.X509Certificate;
}

export interface LocalSigstore {
  readonly ca: Authority;
  readonly ctlog: KeyPair;
  readonly rekor: KeyPair;
  /** `trusted_root.json` of this instance (Sigstore TrustedRoot JSON). */
  readonly trustedRoot: Record<string, unknown>;
}

/** A self-signed CA, valid from `notBefore` for a year. */
export async function makeCA(name = 'local-fulcio', notBefore = new Date(Date.now() - 86_400_000)) {
  const key = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}, O=image-updater tests`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 365 * 86_400_000),
    signingAlgorithm: SIGNING,
    keys: key.crypto,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { key, cert };
}

const logId = (key: KeyPair) => createHash('sha256').update(key.spki).digest();

function logInstance(key: KeyPair, start: Date) {
  return {
    baseUrl: 'https://log.invalid',
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: key.spki.toString('base64'),
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: start.toISOString() },
    },
    logId: { keyId: logId(key).toString('base64') },
  };
}

export async function localSigstore(): Promise<LocalSigstore> {
  const [ca, ctlog, rekor] = await Promise.all([makeCA(), keyPair(), keyPair()]);
  const start = new Date(Date.now() - 86_400_000);
  return {
    ca,
    ctlog,
    rekor,
    trustedRoot: {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [logInstance(rekor, start)],
      ctlogs: [logInstance(ctlog, start)],
      certificateAuthorities: [
        {
          subject: { organization: 'image-updater tests', commonName: 'local-fulcio' },
          uri: 'https://fulcio.invalid',
          certChain: { certificates: [{ rawBytes: Buffer.from(ca.cert.rawData).toString('base64') }] },
          validFor: { start: start.toISOString() },
        },
      ],
      timestampAuthorities: [],
    },
  };
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes = Buffer.from(length.toString(16).padStart(length > 0xff ? 4 : 2, '0'), 'hex');
  return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
}
const der = (tag: number, value: Buffer) =>
  Buffer.concat([Buffer.from([tag]), derLength(value.length), value]);
const uint = (value: number | bigint, bytes: number) => {
  const out = Buffer.alloc(bytes);
  for (let i = bytes - 1, v = BigInt(value); i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};
const tlsVector = (value: Buffer) => Buffer.concat([uint(value.length, 2), value]);

interface LeafOptions {
  readonly identity: string;
  readonly issuer: string;
  /** Start of the certificate's 10 minutes. @default a minute ago */
  readonly notBefore?: Date;
  /** The CA that signs it. @default the instance's */
  readonly ca?: Authority;
  /** Whether to embed an SCT. @default true */
  readonly sct?: boolean;
}

/** A Fulcio-style leaf certificate for a fresh key. */
async function fulcioLeaf(sigstore: LocalSigstore, options: LeafOptions) {
  const key = await keyPair();
  const ca = options.ca ?? sigstore.ca;
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const san = options.identity.includes('://')
    ? { type: 'url' as const, value: options.identity }
    : { type: 'email' as const, value: options.identity };
  const base = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.3']),
    new x509.SubjectAlternativeNameExtension([san], true),
    new x509.Extension(OID_ISSUER_V1, false, Buffer.from(options.issuer, 'ascii')),
    new x509.Extension(OID_ISSUER_V2, false, der(0x0c, Buffer.from(options.issuer, 'utf8'))),
  ];
  const create = (extensions: x509.Extension[]) =>
    x509.X509CertificateGenerator.create({
      serialNumber: '5eed',
      subject: '',
      issuer: ca.cert.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 10 * 60_000),
      signingAlgorithm: SIGNING,
      publicKey: key.crypto.publicKey,
      signingKey: ca.key.crypto.privateKey,
      extensions,
    });
  if (options.sct === false) return { key, cert: await create(base) };
  // The SCT signs the precertificate: the TBS without the SCT extension (RFC 6962 §3.2).
  const draft = SigstoreCertificate.parse(Buffer.from((await create(base)).rawData));
  const tbs = draft.tbsCertificate.toDER();
  const issuerKeyHash = createHash('sha256').update(Buffer.from(ca.cert.publicKey.rawData)).digest();
  const timestamp = uint(notBefore.getTime(), 8);
  const signed = Buffer.concat([
    Buffer.from([0, 0]),
    timestamp,
    uint(1, 2),
    issuerKeyHash,
    uint(tbs.length, 3),
    tbs,
    uint(0, 2),
  ]);
  const signature = sign('sha256', signed, sigstore.ctlog.privateKey);
  const sct = Buffer.concat([
    Buffer.from([0]),
    logId(sigstore.ctlog),
    timestamp,
    uint(0, 2),
    Buffer.from([4, 3]),
    tlsVector(signature),
  ]);
  const sctExtension = new x509.Extension(EXTENSION_OID_SCT, false, der(0x04, tlsVector(tlsVector(sct))));
  return { key, cert: await create([...base, sctExtension]) };
}

export interface KeylessOptions extends LeafOptions {
  /** The payload signed. @default the simple-signing payload of `reference` and `digest` */
  readonly payload?: Buffer;
  /** When Rekor logged it. @default a second after the certificate's start */
  readonly integratedTime?: Date;
  /** Whether the Rekor entry annotation is written. @default true */
  readonly tlog?: boolean;
  /** The key that signs the entry timestamp. @default the instance's Rekor key */
  readonly rekorKey?: KeyPair;
}

/** A Rekor v1 entry of `body` and its signed entry timestamp, logged a second after `notBefore`. */
function rekorEntry(sigstore: LocalSigstore, body: Buffer, notBefore: Date, options: KeylessOptions) {
  const integrated = options.integratedTime ?? new Date(notBefore.getTime() + 1000);
  const entry = {
    body: body.toString('base64'),
    integratedTime: Math.floor(integrated.getTime() / 1000),
    logIndex: 0,
    logID: logId(sigstore.rekor).toString('hex'),
  };
  const set = sign(
    'sha256',
    Buffer.from(json.canonicalize(entry)),
    (options.rekorKey ?? sigstore.rekor).privateKey,
  );
  return { entry, set: set.toString('base64') };
}

/**
 * The inclusion proof of an entry that is alone in its log (tree size 1: the root is the leaf
 * hash) and the log's checkpoint over it, a signed note (transparency-dev/formats).
 */
function inclusionProof(sigstore: LocalSigstore, body: Buffer, rekorKey = sigstore.rekor) {
  const root = createHash('sha256')
    .update(Buffer.concat([Buffer.from([0]), body]))
    .digest();
  const note = `log.invalid - test\n1\n${root.toString('base64')}\n`;
  const signature = sign('sha256', Buffer.from(note), rekorKey.privateKey);
  const hinted = Buffer.concat([logId(sigstore.rekor).subarray(0, 4), signature]).toString('base64');
  return {
    logIndex: '0',
    rootHash: root.toString('base64'),
    treeSize: '1',
    hashes: [],
    checkpoint: { envelope: `${note}\n\u2014 log.invalid ${hinted}\n` },
  };
}

/**
 * A keyless Sigstore bundle v0.3 as `cosign sign --new-bundle-format` writes it: a DSSE
 * envelope of an in-toto statement about `digest`, the leaf certificate, and a Rekor `dsse`
 * entry with its inclusion promise and inclusion proof.
 */
export async function keylessDsseBundle(
  sigstore: LocalSigstore,
  subjectName: string,
  digest: string,
  options: KeylessOptions,
): Promise<Buffer> {
  const statement = options.payload ?? inTotoStatement(subjectName, digest);
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const { key, cert } = await fulcioLeaf(sigstore, { ...options, notBefore });
  const signature = sign('sha256', pae(IN_TOTO_TYPE, statement), key.privateKey).toString('base64');
  const body = Buffer.from(
    json.canonicalize({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(statement).digest('hex') },
        signatures: [{ signature, verifier: Buffer.from(cert.toString('pem')).toString('base64') }],
      },
    }),
  );
  const { entry, set } = rekorEntry(sigstore, body, notBefore, options);
  const tlogEntries =
    options.tlog === false
      ? []
      : [
          {
            logIndex: '0',
            logId: { keyId: logId(sigstore.rekor).toString('base64') },
            kindVersion: { kind: 'dsse', version: '0.0.1' },
            integratedTime: String(entry.integratedTime),
            inclusionPromise: { signedEntryTimestamp: set },
            inclusionProof: inclusionProof(sigstore, body, options.rekorKey),
            canonicalizedBody: entry.body,
          },
        ];
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: Buffer.from(cert.rawData).toString('base64') },
        tlogEntries,
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      dsseEnvelope: {
        payload: statement.toString('base64'),
        payloadType: IN_TOTO_TYPE,
        signatures: [{ sig: signature, keyid: '' }],
      },
    }),
  );
}

export interface KeylessSignature {
  readonly payload: Buffer;
  readonly annotations: Record<string, string>;
}

/** A keyless cosign signature of `digest` for `reference`, with the layer annotations cosign writes. */
export async function signKeyless(
  sigstore: LocalSigstore,
  reference: string,
  digest: string,
  options: KeylessOptions,
): Promise<KeylessSignature> {
  const payload = options.payload ?? simpleSigningPayload(reference, digest);
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const { key, cert } = await fulcioLeaf(sigstore, { ...options, notBefore });
  const signature = sign('sha256', payload, key.privateKey).toString('base64');
  const certPem = cert.toString('pem') + '\n';
  const annotations: Record<string, string> = {
    'dev.cosignproject.cosign/signature': signature,
    'dev.sigstore.cosign/certificate': certPem,
    'dev.sigstore.cosign/chain': (options.ca ?? sigstore.ca).cert.toString('pem') + '\n',
  };
  if (options.tlog !== false) {
    const body = json.canonicalize({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } },
        signature: { content: signature, publicKey: { content: Buffer.from(certPem).toString('base64') } },
      },
    });
    const { entry, set } = rekorEntry(sigstore, Buffer.from(body), notBefore, options);
    annotations['dev.sigstore.cosign/bundle'] = JSON.stringify({ SignedEntryTimestamp: set, Payload: entry });
  }
  return { payload, annotations };
}

/** A `.sig` manifest holding keyless signatures. */
export function keylessSigManifest(signatures: readonly KeylessSignature[]): Artifact {
  return sigManifest(
    signatures.map((s) => ({
      payload: s.payload,
      signature: s.annotations['dev.cosignproject.cosign/signature']!,
      annotations: s.annotations,
    })),
  );
}
