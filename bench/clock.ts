/**
 * An accelerated clock: simulated time runs `rate` times faster than real time. Everything
 * time-dependent in a burst run is driven by it together: the test server's rate-limit windows,
 * its injected latency, `retry-after` waits, the client's write budget, the apply's backoff, the
 * Lambda timeout and the SQS visibility timeout. Only CPU time is not accelerated, so simulated
 * durations are pessimistic (CPU counts `rate` times).
 */
export interface SimClock {
  readonly rate: number;
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Simulated milliseconds elapsed since the clock started. */
  elapsed(): number;
  /** Simulated time of a real `performance.now()` reading. */
  at(realMs: number): number;
  sleep(simMs: number): Promise<void>;
  /** Real milliseconds for a simulated duration. */
  real(simMs: number): number;
}

export function acceleratedClock(rate: number, epochMs = Date.now()): SimClock {
  const realStart = performance.now();
  const at = (realMs: number) => (realMs - realStart) * rate;
  return {
    rate,
    now: () => epochMs + at(performance.now()),
    elapsed: () => at(performance.now()),
    at,
    sleep: (simMs) => new Promise((resolve) => setTimeout(resolve, Math.max(0, simMs / rate))),
    real: (simMs) => simMs / rate,
  };
}

/** The most of these sorted timestamps that fall in any window of `windowMs` (a sliding peak). */
export function peakInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
