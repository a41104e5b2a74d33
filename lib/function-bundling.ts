/**
 * How the functions are built: ESM for Node.js 22 on arm64, by the esbuild installed in
 * node_modules, at synth time (no Docker). Code splitting is on: what only some configs need
 * (the `tags.pattern` engine) is a chunk of its own, imported on first use, so a function's
 * initial import stays small. NodejsFunction's own bundling writes one `outfile` and cannot
 * split, so the functions get their code as an asset bundled here.
 */
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync, type BuildOptions } from 'esbuild';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

function handlerEntry(file: string): string {
  return fileURLToPath(new URL(`../lambdas/handlers/${file}`, import.meta.url));
}

/**
 * Some CommonJS dependencies (parts of the AWS SDK) `require()` Node built-ins; an ESM bundle has
 * no `require`, so one is made from `import.meta.url`.
 */
export const REQUIRE_SHIM =
  "import{createRequire as __iuCreateRequire}from'node:module';const require=__iuCreateRequire(import.meta.url);";

/** The entry module every function loads first; Lambda's handler is `index.handler`. */
export const ENTRY_FILE = 'index.mjs';
/** Where the lazily imported chunks go, beside the entry. */
export const CHUNK_DIR = 'chunks';
/** The bundling option that names the entry, so each function's asset is its own. */
const ENTRY_ENV = 'IMAGE_UPDATER_ENTRY';

/** The esbuild options of one function, written to `outdir`. */
export function esbuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: handlerEntry(entry) },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outExtension: { '.js': '.mjs' },
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    minify: true,
    // Error classes name themselves after their constructor (`ImageUpdaterError.name`); logs show
    // `GitHostError`, not a minified letter.
    keepNames: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    // Everything is bundled, the AWS SDK included: the version is the one tested, and one
    // bundle loads faster at cold start than the runtime's SDK spread over hundreds of files.
    external: [],
    tsconfig: TSCONFIG,
    logLevel: 'error',
  };
}

/** Builds one function (`worker-main.ts`) into `outdir`: `index.mjs` and its chunks. */
export function buildFunction(entry: string, outdir: string): void {
  buildSync(esbuildOptions(entry, outdir));
}

/**
 * The `code` and `handler` of a function built from `lambdas/handlers/<entry>`. Bundled as the
 * CDK bundles any asset, so `aws:cdk:bundling-stacks` (`cdk synth --exclusively`, the tests'
 * no-bundling context) still skips it.
 */
export function functionCode(entry: string): { code: lambda.Code; handler: string } {
  return {
    handler: 'index.handler',
    code: lambda.Code.fromAsset(PROJECT_ROOT, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never pulled: local bundling always succeeds (esbuild is a dependency).
        image: DockerImage.fromRegistry('dummy'),
        // The CDK caches staged assets by their options serialised as JSON, which drops the
        // `tryBundle` closure: without a per-entry value, every function built from PROJECT_ROOT
        // would share the first one's bundle. `environment` is part of that key.
        environment: { [ENTRY_ENV]: entry },
        local: {
          tryBundle(outputDir) {
            buildFunction(entry, outputDir);
            return true;
          },
        },
      },
    }),
  };
}
