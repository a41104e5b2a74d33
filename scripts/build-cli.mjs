#!/usr/bin/env node
/**
 * Bundles the CLI into dist/cli/ (package.json `bin`: dist/cli/image-updater.mjs), run by npm's
 * `prepare` on `npm ci`/`npm install` in a checkout and on install from git. Plain JavaScript so
 * that it needs nothing but esbuild. Code splitting: the entry holds the program and the flag
 * definitions (`--help`, `--version`, a bad flag answer from it alone); each command is a chunk
 * loaded when that command runs, so `select` never loads `serve`'s Octokit.
 *
 *   node scripts/build-cli.mjs [--outdir DIR]
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = values.outdir ?? join(root, 'dist/cli');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Built beside the target, then swapped in: test runs in parallel may be spawning the old one.
const temp = `${outdir}.tmp-${process.pid}`;
mkdirSync(dirname(outdir), { recursive: true });
rmSync(temp, { recursive: true, force: true });
const result = await build({
  entryPoints: { 'image-updater': join(root, 'bin/cli.ts') },
  outdir: temp,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // Less to parse at every start; names kept so errors still say `GitHostError`.
  minify: true,
  keepNames: true,
  // CommonJS dependencies that `require()` Node built-ins need a `require` in an ESM bundle.
  banner: {
    js: "import{createRequire as __iuCreateRequire}from'node:module';const require=__iuCreateRequire(import.meta.url);",
  },
  define: { __IMAGE_UPDATER_VERSION__: JSON.stringify(pkg.version) },
  mainFields: ['module', 'main'],
  tsconfig: join(root, 'tsconfig.json'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
// Which chunk holds what: test/bin/program.test.ts reads it to hold the split in place.
writeFileSync(join(temp, 'meta.json'), JSON.stringify(result.metafile));
chmodSync(join(temp, 'image-updater.mjs'), 0o755);
const old = `${outdir}.old-${process.pid}`;
try {
  renameSync(outdir, old);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
renameSync(temp, outdir);
rmSync(old, { recursive: true, force: true });
