/**
 * The functions as lib/function-bundling.ts builds them: code splitting keeps what only some
 * configs need (the `tags.pattern` engine) out of the initial import, in a chunk that loads on
 * first use from beside the entry.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
/** A message only the promotion decision (lambdas/core/plan/promote.ts) holds. */
const PROMOTION_TEXT = 'promoted once they agree';

const chunks = (outdir: string) =>
  readdirSync(join(outdir, CHUNK_DIR)).map((f) => readFileSync(join(outdir, CHUNK_DIR, f), 'utf8'));

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

  it('leaves the promotion decision out of its initial import, in a chunk of its own', () => {
    const worker = join(dir, 'worker');
    expect(readFileSync(join(worker, ENTRY_FILE), 'utf8')).not.toContain(PROMOTION_TEXT);
    expect(chunks(worker).filter((c) => c.includes(PROMOTION_TEXT))).toHaveLength(1);
  });

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
