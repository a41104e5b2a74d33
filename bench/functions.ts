/**
 * Each Lambda bundle as `cdk synth` builds it (lib/function-bundling.ts: ESM, minified, Node.js
 * 22, everything bundled): its size, and its cold import time in a fresh Node process (the
 * median of several runs) with the environment the construct sets, for every
 * `lambdas/handlers/*-main.ts` entry point. On its own: `npm run bench -- --only functions`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLING, handlerEntry, REQUIRE_SHIM, TSCONFIG } from '../lib/function-bundling.ts';

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
  readonly bytes: number;
  readonly importMs: {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly runs: number;
  };
}

export function functionEntries(): string[] {
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
      const outfile = join(dir, name, 'index.mjs');
      await build({
        entryPoints: [handlerEntry(entry)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: BUNDLING.target ?? 'node22',
        minify: BUNDLING.minify ?? false,
        keepNames: BUNDLING.keepNames ?? false,
        mainFields: [...(BUNDLING.mainFields ?? [])],
        banner: { js: REQUIRE_SHIM },
        tsconfig: TSCONFIG,
        logLevel: 'error',
      });
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
        bytes: statSync(outfile).size,
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
