/** A bundled handler in its own Node process (test/aws/support/lambda-runner.mjs). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./lambda-runner.mjs', import.meta.url));

interface Invocation<T> {
  readonly result?: T;
  readonly error?: { name?: string; message?: string; code?: string };
  readonly ms: number;
}

export interface LambdaProcess {
  readonly importMs: number;
  readonly node: string;
  invoke<T = unknown>(event: unknown, timeoutMs?: number): Promise<Invocation<T>>;
  /** The function's log lines (stdout and stderr) so far. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startLambda(options: {
  file: string;
  exportName: string;
  env: Record<string, string>;
  nodeBinary?: string;
}): Promise<LambdaProcess> {
  const child: ChildProcess = spawn(
    options.nodeBinary ?? process.execPath,
    [RUNNER, options.file, options.exportName],
    {
      env: { PATH: process.env.PATH ?? '', AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    },
  );
  let logs = '';
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  const pending = new Map<number, (message: Invocation<unknown>) => void>();
  let ready: (message: { importMs: number; node: string }) => void;
  let failed: (error: Error) => void;
  const readyPromise = new Promise<{ importMs: number; node: string }>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  child.on('exit', (code) =>
    failed(new Error(`handler process exited (${code}) before it was ready:\n${logs}`)),
  );
  createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
    const message = JSON.parse(line) as { ready?: boolean; id?: number } & Invocation<unknown> & {
        importMs: number;
        node: string;
      };
    if (message.ready) ready(message);
    else pending.get(message.id!)?.(message);
  });
  const { importMs, node } = await readyPromise;
  let next = 0;
  return {
    importMs,
    node,
    invoke: <T>(event: unknown, timeoutMs?: number) =>
      new Promise<Invocation<T>>((resolve) => {
        const id = ++next;
        pending.set(id, resolve as (m: Invocation<unknown>) => void);
        child.stdin!.write(`${JSON.stringify({ id, event, ...(timeoutMs ? { timeoutMs } : {}) })}\n`);
      }),
    logs: () => logs,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
