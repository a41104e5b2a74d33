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
 * process: what `npm install` puts on PATH. `nodeArgs` go to node (a heap cap, say); `stdin`
 * is piped in, else standard input is closed at once.
 */
export function spawnCli(
  args: readonly string[],
  options: { cwd?: string; nodeArgs?: readonly string[]; stdin?: NodeJS.ReadableStream } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI_BUNDLE, ...args], {
      cwd: options.cwd ?? process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    // The CLI may stop reading early (a size limit): that is not the test's error.
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
    if (options.stdin) options.stdin.pipe(child.stdin).on('error', () => {});
    else child.stdin.end();
  });
}
