import { spawn } from 'node:child_process';
import { main } from '../../bin/image-updater.ts';
import type { CliIo } from '../../bin/commands/io.ts';
import { CLI_BUNDLE } from './build-cli.ts';

export { CLI_BUNDLE };

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, as a user would from a shell in `cwd`. */
export async function runCli(
  args: string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async (maxBytes) => {
      const text = options.stdin ?? '';
      return Buffer.byteLength(text) > maxBytes ? undefined : text;
    },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/**
 * Runs the built CLI (dist/cli/image-updater.mjs, built by test/support/build-cli.ts) as a
 * process: what `npm install` puts on PATH.
 */
export function spawnCli(args: readonly string[], options: { cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BUNDLE, ...args], {
      cwd: options.cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
}
