/**
 * When the `serve` process should stop, and how it ends. `npx image-updater serve` runs it as
 * npm → `sh -c` → node: killing npm with SIGTERM ends the shell, which does not pass the signal
 * on, and node, reparented, went on serving. A parent that goes away is therefore a stop too.
 */

/**
 * SIGHUP too: a closed terminal or a dropped ssh session sends it, and its default (die at once)
 * would drop every accepted push without a word.
 */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** Resolves with the signal's name (or `parent-exited`) once the process should stop. */
export function waitForStop(options: { readonly pollMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    const handlers = STOP_SIGNALS.map((name) => [name, () => stop(name)] as const);
    const stop = (reason: string) => {
      for (const [name, handler] of handlers) process.off(name, handler);
      clearInterval(watch);
      resolve(reason);
    };
    for (const [name, handler] of handlers) process.once(name, handler);
    const watch = setInterval(() => {
      if (process.ppid !== parent) stop('parent-exited');
    }, options.pollMs ?? 500);
    watch.unref();
  });
}

/**
 * Ends the process with `code` once `serve` has stopped: left to itself, Node would wait for
 * timers it cannot cancel (the Octokit plugins' backoffs), which send nothing once aborted but
 * would keep the process alive for up to a minute. Unref'd: a process already done exits first.
 */
export function exitSoon(code: number, afterMs = 500): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), afterMs).unref();
}
