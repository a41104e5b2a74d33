/**
 * `image-updater serve` as a child process, for the end-to-end tests: started with a clean
 * environment on loopback, its JSON log read back, and stopped with SIGTERM (a graceful stop
 * exits 0, which the tests assert).
 */
import { spawn } from 'node:child_process';

export interface ServeProcess {
  /** Where it listens (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Everything it printed, for a failing assertion's message. */
  output(): string;
  /** Its JSON log lines, in order. */
  lines(): Record<string, unknown>[];
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/** Polls `probe` every 10 ms until it answers; on time-out, the error carries `context()`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs: number,
  context: () => string,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Starts `node <cli> serve <args>` with only `PATH`, `HOME` and `env` (and `SERVE_HOST`
 * 127.0.0.1), and waits for its "serve listening" line.
 */
export async function startServe(input: {
  readonly cli: string;
  readonly args: readonly string[];
  readonly home: string;
  readonly env: Readonly<Record<string, string>>;
}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [input.cli, 'serve', ...input.args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: input.home,
      SERVE_HOST: '127.0.0.1',
      ...input.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const listening = await waitFor(
    'serve to listen',
    () => lines().find((l) => l.message === 'serve listening'),
    30_000,
    () => output,
  );
  return {
    url: listening.url as string,
    output: () => output,
    lines,
    stop: async () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}
