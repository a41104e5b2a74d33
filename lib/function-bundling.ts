/**
 * How the functions are built: ESM bundles for Node.js 22 on arm64, by the esbuild installed in
 * node_modules (the CDK uses a local esbuild when there is one, so no Docker is involved).
 */
import { fileURLToPath } from 'node:url';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));
export const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

export function handlerEntry(file: string): string {
  return fileURLToPath(new URL(`../lambdas/handlers/${file}`, import.meta.url));
}

/**
 * Some CommonJS dependencies (parts of the AWS SDK) `require()` Node built-ins; an ESM bundle has
 * no `require`, so one is made from `import.meta.url`.
 */
export const REQUIRE_SHIM =
  "import{createRequire as __iuCreateRequire}from'node:module';const require=__iuCreateRequire(import.meta.url);";

export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  // Error classes name themselves after their constructor (`ImageUpdaterError.name`); logs show
  // `GitHostError`, not a minified letter.
  keepNames: true,
  sourceMap: false,
  mainFields: ['module', 'main'],
  banner: REQUIRE_SHIM,
  // Everything is bundled, the AWS SDK included: the version is the one tested, and a single
  // file loads faster at cold start than the runtime's SDK spread over hundreds of files.
  externalModules: [],
  tsconfig: TSCONFIG,
};
