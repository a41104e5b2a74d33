import { describe, expect, it } from 'vitest';
import { STOP_SIGNALS, waitForStop } from '../../../lambdas/handlers/serve-signals.ts';

describe('serve stops, draining, on every signal that asks a process to end', () => {
  it.each(STOP_SIGNALS)('%s resolves the stop with its name and leaves no handler behind', async (signal) => {
    const before = STOP_SIGNALS.map((s) => process.listenerCount(s));
    const stopped = waitForStop();
    // Without our handler, SIGHUP (a closed terminal, a dropped ssh session) kills at once.
    expect(process.listenerCount(signal)).toBe(before[STOP_SIGNALS.indexOf(signal)]! + 1);
    process.emit(signal, signal);
    await expect(stopped).resolves.toBe(signal);
    expect(STOP_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before);
  });

  it('includes SIGHUP', () => {
    expect(STOP_SIGNALS).toEqual(expect.arrayContaining(['SIGTERM', 'SIGINT', 'SIGHUP']));
  });
});
