/**
 * Abort plumbing for GitHub requests: every request carries the signal of the work it belongs
 * to (a repository's run, the process's stop), so work that is given up sends nothing more and
 * its callers are answered at once instead of after the retries and waits still queued.
 */
import { setMaxListeners } from 'node:events';
import type { Octokit } from '@octokit/rest';

/**
 * Every request in flight listens on its work's signal, and a read wave has dozens in flight;
 * Node's default (warn past 10 listeners, "possible memory leak") would cry wolf on every wave.
 * Each listener is removed when its request settles (untilAborted, fetch), so this bounds nothing
 * that grows.
 */
const IN_FLIGHT_LISTENERS = 1_000;

/** An AbortController for a unit of work (a repository's run, the process's stop). */
export function workController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(IN_FLIGHT_LISTENERS, controller.signal);
  return controller;
}

/** Aborted when any of `signals` is (`AbortSignal.any`, Node ≥ 20.3, missing from @types/node 20). */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  const any = (AbortSignal as unknown as { any(signals: AbortSignal[]): AbortSignal }).any(present);
  setMaxListeners(IN_FLIGHT_LISTENERS, any);
  return any;
}

/** What @octokit/request rethrows for an aborted fetch, so callers see one shape either way. */
function abortError(): Error {
  return new DOMException('the request was aborted: its work was given up', 'AbortError');
}

/** `promise`, or an `AbortError` as soon as `signal` aborts; the loser's outcome is ignored. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A fetch whose every attempt gives up after `timeoutMs` (a GitHub that accepts and never answers). */
export function fetchWithTimeout(timeoutMs: number, base: typeof fetch = fetch): typeof fetch {
  return (input, init) =>
    base(input, { ...init, signal: anySignal([init?.signal ?? undefined, AbortSignal.timeout(timeoutMs)]) });
}

/**
 * An Octokit plugin: a request's `request.signal` (its work's) stops it at once, wherever it is.
 * An aborted one rejects before anything else runs, and a caller waiting on the other plugins (a
 * retry's backoff, a `retry-after`, the write budget) is answered at once; what they still run
 * later meets the aborted signal in fetch, so nothing is sent. List it last: its hook must wrap
 * every other plugin's.
 */
export function abortable(octokit: Pick<Octokit, 'hook'>): Record<string, never> {
  octokit.hook.wrap('request', (request, options) => {
    const signal = options.request?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError());
    return untilAborted(Promise.resolve(request(options)), signal);
  });
  return {};
}
