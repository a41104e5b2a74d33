/**
 * The functions as lib/function-bundling.ts builds them: code splitting keeps what only some
 * configs need (the `tags.pattern` engine) out of the initial import, in a chunk that loads on
 * first use from beside the entry.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesiseWithBundles, type Synthesised } from '../aws/support/bundles.ts';
import { startLambda } from '../aws/support/lambda-process.ts';
import {
  buildFunction,
  CHUNK_DIR,
  ENTRY_FILE,
  esbuildOptions,
  PROJECT_ROOT,
} from '../../lib/function-bundling.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'iu-bundles-'));
/** A message only re2js holds. */
const RE2JS_TEXT = 'invalid or unsupported Perl syntax';
/** Texts only the provenance reader's parsing and the PR's Provenance section hold. */
const PROVENANCE_TEXTS = ['org.opencontainers.image.created', 'Release notes of'];
/** A message only @sigstore/verify holds. */
const SIGSTORE_TEXT = 'duplicate tlog entry';
/** A message only the promotion decision (lambdas/core/plan/promote.ts) holds. */
const PROMOTION_TEXT = 'promoted once they agree';
/** The public good TUF repository, named only by @sigstore/tuf. */
const TUF_TEXT = 'tuf-repo-cdn.sigstore.dev';

const chunks = (outdir: string) =>
  readdirSync(join(outdir, CHUNK_DIR)).map((f) => readFileSync(join(outdir, CHUNK_DIR, f), 'utf8'));

/** What a cold start loads: the entry and every chunk it imports statically, not `import()`. */
function initialImport(outdir: string): string[] {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(
      /(?:^|[;}\s])(?:import|export)\s*(?:[^"'();]*?from\s*)?["'](\.[^"']+)["']/g,
    ))
      visit(join(dirname(file), m[1]!));
  };
  visit(join(outdir, ENTRY_FILE));
  return [...seen.values()];
}

beforeAll(() => {
  buildFunction('worker-main.ts', join(dir, 'worker'));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the worker bundle', () => {
  it('leaves the pattern engine out of its initial import, in a chunk of its own', () => {
    const worker = join(dir, 'worker');
    expect(readFileSync(join(worker, ENTRY_FILE), 'utf8')).not.toContain(RE2JS_TEXT);
    expect(chunks(worker).filter((c) => c.includes(RE2JS_TEXT))).toHaveLength(1);
  });

  it('leaves provenance (label parsing, the PR section) out of its initial import, in chunks loaded on first use', () => {
    const worker = join(dir, 'worker');
    const initial = initialImport(worker);
    for (const text of PROVENANCE_TEXTS) {
      expect(initial.some((t) => t.includes(text))).toBe(false);
      expect(chunks(worker).filter((c) => c.includes(text))).toHaveLength(1);
    }
  });

  it('leaves the Sigstore libraries out of its initial import (under 1 MB), in a chunk of its own', () => {
    const worker = join(dir, 'worker');
    const initial = initialImport(worker);
    expect(initial.some((text) => text.includes(SIGSTORE_TEXT))).toBe(false);
    expect(chunks(worker).filter((c) => c.includes(SIGSTORE_TEXT))).toHaveLength(1);
    const bytes = initial.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    console.info(`worker initial import: ${bytes} bytes in ${initial.length} files`);
    expect(bytes).toBeLessThan(1_000_000);
  });

  it('verifies a cosign signature from a bundle built the same way, loading the Sigstore chunk on first use', async () => {
    const probe = join(dir, 'verify-probe.ts');
    const src = (file: string) => JSON.stringify(join(PROJECT_ROOT, file));
    writeFileSync(
      probe,
      `import { lazySignatureVerifier } from ${src('lambdas/adapters/sigstore/lazy-verifier.ts')};
import { generateKey, signImage } from ${src('test/support/cosign.ts')};
import { MemoryImageReader } from ${src('test/support/memory-image-reader.ts')};
export async function handler() {
  const key = generateKey();
  const digest = 'sha256:' + 'a'.repeat(64);
  const reader = new MemoryImageReader();
  reader.put('sha256-' + 'a'.repeat(64) + '.sig', signImage(key, 'ghcr.io/acme/api', digest));
  const verifier = lazySignatureVerifier({ reader });
  const request = (pem: string) => ({ image: 'ghcr.io/acme/api', tag: '1.0.0', digest, verify: { cosign: { key: pem } } });
  return [await verifier.verify(request(key.publicPem)), await verifier.verify(request(generateKey().publicPem))];
}
`,
    );
    const outdir = join(dir, 'verify-probe');
    await build({ ...esbuildOptions('worker-main.ts', outdir), entryPoints: { index: probe } });
    expect(initialImport(outdir).some((text) => text.includes(SIGSTORE_TEXT))).toBe(false);
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(join(outdir, ENTRY_FILE))});
console.log(JSON.stringify(await m.handler()));`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject([
      { ok: true, via: 'sig-tag' },
      { ok: false, check: 'signature-invalid' },
    ]);
  }, 60_000);

  it('leaves the promotion decision out of its initial import, in a chunk of its own', () => {
    const worker = join(dir, 'worker');
    expect(initialImport(worker).some((text) => text.includes(PROMOTION_TEXT))).toBe(false);
    expect(chunks(worker).filter((c) => c.includes(PROMOTION_TEXT))).toHaveLength(1);
  });

  it('verifies a keyless signature from a bundle built the same way; the TUF client is a chunk of its own, not loaded', async () => {
    const probe = join(dir, 'keyless-probe.ts');
    const src = (file: string) => JSON.stringify(join(PROJECT_ROOT, file));
    writeFileSync(
      probe,
      `import { lazySignatureVerifier } from ${src('lambdas/adapters/sigstore/lazy-verifier.ts')};
import { keylessSigManifest, localSigstore, signKeyless } from ${src('test/support/keyless.ts')};
import { MemoryImageReader } from ${src('test/support/memory-image-reader.ts')};
export async function handler() {
  const sigstore = await localSigstore();
  const digest = 'sha256:' + 'a'.repeat(64);
  const who = { identity: 'ci@acme.example', issuer: 'https://issuer.example' };
  const reader = new MemoryImageReader();
  reader.put('sha256-' + 'a'.repeat(64) + '.sig', keylessSigManifest([await signKeyless(sigstore, 'ghcr.io/acme/api', digest, who)]));
  const verifier = lazySignatureVerifier({ reader, trustRoot: { trustedRoot: async () => sigstore.trustedRoot } });
  const request = (identity: string) => ({ image: 'ghcr.io/acme/api', tag: '1.0.0', digest, verify: { cosign: { ...who, identity } } });
  return [await verifier.verify(request(who.identity)), await verifier.verify(request('other@acme.example'))];
}
`,
    );
    const outdir = join(dir, 'keyless-probe');
    await build({ ...esbuildOptions('worker-main.ts', outdir), entryPoints: { index: probe } });
    const worker = join(dir, 'worker');
    expect(initialImport(worker).some((text) => text.includes(TUF_TEXT))).toBe(false);
    expect(chunks(worker).filter((c) => c.includes(TUF_TEXT) && !c.includes(SIGSTORE_TEXT))).toHaveLength(1);
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(join(outdir, ENTRY_FILE))});
console.log(JSON.stringify(await m.handler()));`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject([
      { ok: true, via: 'sig-tag' },
      { ok: false, check: 'identity-mismatch' },
    ]);
  }, 60_000);

  it('selects through a pattern from a bundle built the same way, loading the chunk on first use', async () => {
    const probe = join(dir, 'probe.ts');
    const src = (file: string) => JSON.stringify(join(PROJECT_ROOT, file));
    writeFileSync(
      probe,
      `import { loadConfig } from ${src('lambdas/config/load.ts')};
import { selectTag } from ${src('lambdas/core/tags/index.ts')};
export async function handler(text: string, tags: string[]) {
  const loaded = await loadConfig(text);
  if (!loaded.ok) return loaded.issues.map((i) => i.message).join('; ');
  return selectTag(loaded.config.policies[0]!, tags.map((tag) => ({ tag }))).chosen?.tag ?? 'none';
}
`,
    );
    const outdir = join(dir, 'probe');
    await build({ ...esbuildOptions('worker-main.ts', outdir), entryPoints: { index: probe } });
    expect(readFileSync(join(outdir, ENTRY_FILE), 'utf8')).not.toContain(RE2JS_TEXT);
    const config = `version: 1
policies:
  - name: api
    image: ghcr.io/acme/api
    tags:
      pattern: '^v(?P<version>\\d+\\.\\d+\\.\\d+)-alpine$'
`;
    const call = async (text: string) => {
      const { stdout } = await run(process.execPath, [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(join(outdir, ENTRY_FILE))});
console.log(await m.handler(${JSON.stringify(text)}, ['v1.2.0-alpine', 'v1.10.0-alpine', 'v9.0.0', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!']));`,
      ]);
      return stdout.trim();
    };
    expect(await call(config)).toBe('v1.10.0-alpine');
    expect(await call(config.replace("'^v(?P", "'^v(?=1)(?P"))).toMatch(
      /^not supported by the linear-time engine \(RE2 syntax\): lookahead/,
    );
  }, 60_000);
});

describe('the synthesised stack', () => {
  let synth: Synthesised;
  beforeAll(() => {
    synth = synthesiseWithBundles();
  }, 120_000);
  afterAll(() => synth?.remove());

  it('gives each function a bundle of its own', () => {
    const paths = (['Worker', 'Reconcile', 'Webhook'] as const).map(
      (name) => synth.bundle(name).resource.Metadata?.['aws:asset:path'],
    );
    expect(paths.every((p) => typeof p === 'string')).toBe(true);
    expect(new Set(paths).size).toBe(3);
  });

  it('the webhook bundle answers an HTTP request (a route it does not serve: 404)', async () => {
    const { file, exportName } = synth.bundle('Webhook');
    const lambda = await startLambda({
      file,
      exportName,
      env: {
        AWS_REGION: 'eu-west-1',
        // Nothing may reach AWS: an unknown route is answered before any secret is read.
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        WEBHOOK_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:webhook-AbCdEf',
        WEBHOOK_ALLOWED_IMAGES: '["*"]',
        QUEUE_URL: 'http://127.0.0.1:9/111122223333/queue',
      },
    });
    try {
      const { result, error } = await lambda.invoke({
        version: '2.0',
        rawPath: '/not-a-route',
        headers: {},
        requestContext: { http: { method: 'GET' } },
        isBase64Encoded: false,
      });
      expect(error).toBeUndefined();
      expect(result).toMatchObject({ statusCode: 404 });
    } finally {
      await lambda.stop();
    }
  }, 30_000);
});
