/**
 * When the public good trusted root is loaded, kept and refreshed: a keyless check makes no TUF
 * request while a loaded root is fresh, a TUF outage does not stop verification for a week, and
 * without any root a keyless check is held, not passed, with a bounded number of tries.
 */
import { describe, expect, it } from 'vitest';
import { tufTrustRoot } from '../../../../lambdas/adapters/sigstore/tuf-trust-root.ts';
import { TrustRootError } from '../../../../lambdas/ports/trust-root.ts';

const HOUR = 3_600_000;

function source(answers: (() => unknown)[]) {
  let t = 0;
  const loads: string[] = [];
  const root = tufTrustRoot({
    cachePath: '/tmp/iu-test-tuf',
    now: () => t,
    load: async (path) => {
      loads.push(path);
      return (answers.shift() ?? (() => ({ n: loads.length })))();
    },
  });
  return { root, loads, advance: (ms: number) => (t += ms) };
}
const fail = () => {
  throw Object.assign(new Error('offline'), { code: 'TUF_REFRESH_METADATA_ERROR' });
};

describe('the public good trusted root', () => {
  it('loads once into the cache path and serves the same root for a day', async () => {
    const { root, loads, advance } = source([]);
    const [a, b] = await Promise.all([root.trustedRoot(), root.trustedRoot()]);
    advance(23 * HOUR);
    expect(await root.trustedRoot()).toBe(a);
    expect(b).toBe(a);
    expect(loads).toEqual(['/tmp/iu-test-tuf']);
    advance(2 * HOUR);
    expect(await root.trustedRoot()).toEqual({ n: 2 });
  });

  it('keeps the loaded root for a week while refreshes fail, then refuses it', async () => {
    const { root, loads, advance } = source([() => ({ first: true }), fail, fail, fail]);
    const first = await root.trustedRoot();
    advance(25 * HOUR);
    expect(await root.trustedRoot()).toBe(first);
    advance(30_000);
    expect(await root.trustedRoot()).toBe(first); // within a minute of the failure: no new try
    expect(loads).toHaveLength(2);
    advance(7 * 24 * HOUR);
    await expect(root.trustedRoot()).rejects.toBeInstanceOf(TrustRootError);
  });

  it('without any root fails with TrustRootError naming the cause, and tries again a minute later', async () => {
    const { root, loads, advance } = source([fail]);
    const error = await root.trustedRoot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrustRootError);
    expect((error as TrustRootError).message).toContain('TUF_REFRESH_METADATA_ERROR');
    await expect(root.trustedRoot()).rejects.toBeInstanceOf(TrustRootError);
    expect(loads).toHaveLength(1);
    advance(61_000);
    expect(await root.trustedRoot()).toEqual({ n: 2 });
  });
});
