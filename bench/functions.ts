/**
 * Each Lambda bundle as `cdk synth` builds it (lib/function-bundling.ts: ESM, minified, Node.js
 * 22, everything bundled): its size, and its cold import time in a fresh Node process (the
 * median of several runs) with the environment the construct sets, for every
 * `lambdas/handlers/*-main.ts` entry point. On its own: `npm run bench -- --only functions`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { ENTRY_FILE, esbuildOptions } from '../lib/function-bundling.ts';

/** What the construct sets; the values only need to parse (nothing is called at import). */
const FUNCTION_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  WATCHED_REPOS: '[{"repo":"acme/gitops"}]',
  GITHUB_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:github-AbCdEf',
  GITHUB_AUTH: 'app',
  WEBHOOK_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:webhook-AbCdEf',
  WEBHOOK_ALLOWED_IMAGES: '["registry.example.com/shop"]',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/image-updater',
};

export interface FunctionFigures {
  readonly name: string;
  /** What the cold import loads: the entry and the chunks it imports statically. */
  readonly bytes: number;
  /** Chunks imported on first use only (`import()`), by file name relative to the bundle. */
  readonly lazyChunks?: Readonly<Record<string, number>>;
  readonly importMs: {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly runs: number;
  };
}

function functionEntries(): string[] {
  const dir = fileURLToPath(new URL('../lambdas/handlers/', import.meta.url));
  return readdirSync(dir)
    .filter((f) => f.endsWith('-main.ts'))
    .sort();
}

export async function benchFunctions(runs = 7): Promise<FunctionFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'iu-bench-functions-'));
  const results: FunctionFigures[] = [];
  try {
    for (const entry of functionEntries()) {
      const name = entry.replace(/-main\.ts$/, '');
      const outdir = join(dir, name);
      const outfile = join(outdir, ENTRY_FILE);
      const { metafile } = await build({ ...esbuildOptions(entry, outdir), metafile: true });
      const { initial, lazy } = splitOutputs(metafile, outfile);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const out = execFileSync(
          process.execPath,
          [
            '--no-warnings',
            '--input-type=module',
            '-e',
            `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
          ],
          { env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV }, encoding: 'utf8' },
        );
        times.push(Number(out.trim()));
      }
      times.sort((a, b) => a - b);
      const round = (n: number) => Math.round(n * 10) / 10;
      results.push({
        name,
        bytes: initial,
        lazyChunks: Object.fromEntries([...lazy].map(([file, bytes]) => [relative(outdir, file), bytes])),
        importMs: {
          median: round(times[Math.floor(times.length / 2)]!),
          min: round(times[0]!),
          max: round(times.at(-1)!),
          runs,
        },
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/**
 * The bytes the entry loads before its code runs (itself and, transitively, what it imports
 * statically), and every other output: the chunks loaded by `import()` only.
 */
function splitOutputs(metafile: Metafile, entryFile: string): { initial: number; lazy: Map<string, number> } {
  const outputs = new Map(Object.entries(metafile.outputs).map(([file, out]) => [resolveOut(file), out]));
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dep of outputs.get(file)?.imports ?? []) {
      if (dep.kind === 'import-statement' && !dep.external) visit(resolveOut(dep.path));
    }
  };
  visit(entryFile);
  let initial = 0;
  const lazy = new Map<string, number>();
  for (const [file, out] of outputs) {
    if (seen.has(file)) initial += out.bytes;
    else lazy.set(file, out.bytes);
  }
  return { initial, lazy };
}

/** esbuild names outputs relative to the working directory. */
function resolveOut(file: string): string {
  return resolve(file);
}
