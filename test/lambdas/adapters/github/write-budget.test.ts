import { afterEach, describe, expect, it } from 'vitest';
import { createOctokit } from '../../../../lambdas/adapters/github/octokit.ts';
import { WriteBudget, WriteBudgetExhaustedError } from '../../../../lambdas/adapters/github/write-budget.ts';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';

/** A budget on a clock the test moves: sleeping advances it. */
function budget(options: { perMinute: number; perHour: number; maxWaitMs?: number }) {
  let now = 0;
  const slept: number[] = [];
  const b = new WriteBudget({
    ...options,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  const write = () => b.beforeWrite().then(() => now);
  return { b, write, slept, at: () => now, advance: (ms: number) => void (now += ms) };
}

/** A promise the test resolves when it chooses: a unit of work held in the middle. */
function latch() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { gate, release };
}

describe('WriteBudget: GitHub secondary limits on this instance', () => {
  it('lets a burst up to the minute budget through at once, then spaces the rest by the sliding minute', async () => {
    const { write, slept } = budget({ perMinute: 3, perHour: 100 });
    const times = [];
    for (let i = 0; i < 5; i++) times.push(await write());
    expect(times).toEqual([0, 0, 0, 60_000, 60_000]);
    expect(slept).toEqual([60_000]);
  });

  it('never admits more than the budget in any sliding minute, even across window edges', async () => {
    const { write, advance } = budget({ perMinute: 4, perHour: 1000 });
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      advance(i % 3 === 0 ? 7_000 : 500);
      times.push((await write()) as number);
    }
    for (const t of times)
      expect(times.filter((x) => x >= t && x < t + 60_000).length).toBeLessThanOrEqual(4);
  });

  it('fails at once, sending nothing, when the hourly share is spent for longer than it may wait', async () => {
    const { write, advance } = budget({ perMinute: 10, perHour: 12, maxWaitMs: 60_000 });
    for (let i = 0; i < 12; i++) {
      await write();
      advance(61_000);
    }
    let sent = false;
    const refused = write().then(() => (sent = true));
    await expect(refused).rejects.toBeInstanceOf(WriteBudgetExhaustedError);
    expect(sent).toBe(false);
  });

  it('is off with a zero budget', async () => {
    const { write, slept } = budget({ perMinute: 0, perHour: 0 });
    for (let i = 0; i < 200; i++) await write();
    expect(slept).toEqual([]);
  });

  describe('reservations: a unit of work gets all its writes or none', () => {
    it('sets writes aside, so the reserved work is not held back by writes that came later', async () => {
      const { b, write } = budget({ perMinute: 4, perHour: 100 });
      const { gate, release } = latch();
      const unit = b.reserve(3, async () => {
        await gate;
        return [await write(), await write(), await write()];
      });
      // Another unit's write, outside the reservation: one slot is left for it.
      expect(await write()).toBe(0);
      release();
      expect(await unit).toEqual([0, 0, 0]);
      // The minute is full now: the next write outside waits for it to pass.
      expect(await write()).toBe(60_000);
    });

    it('fails before the work starts when the writes are not there in time, and sends nothing', async () => {
      const { b, write, advance } = budget({ perMinute: 10, perHour: 6, maxWaitMs: 60_000 });
      for (let i = 0; i < 4; i++) await write();
      advance(1_000);
      let started = false;
      const refused = b.reserve(4, async () => {
        started = true;
      });
      await expect(refused).rejects.toBeInstanceOf(WriteBudgetExhaustedError);
      expect(started).toBe(false);
      // The two writes still in the hourly share are not taken by the refused reservation.
      await b.reserve(2, async () => {
        await write();
        await write();
      });
    });

    it('gives back what the work did not use', async () => {
      const { b, write, slept } = budget({ perMinute: 5, perHour: 100 });
      await b.reserve(5, async () => {
        await write();
      });
      for (let i = 0; i < 4; i++) await write();
      expect(slept).toEqual([]);
    });

    it('gives the reservation back when the work fails', async () => {
      const { b, write, slept } = budget({ perMinute: 3, perHour: 100 });
      await expect(
        b.reserve(3, async () => {
          throw new Error('GitHub said no');
        }),
      ).rejects.toThrow('GitHub said no');
      for (let i = 0; i < 3; i++) await write();
      expect(slept).toEqual([]);
    });

    it('keeps concurrent units apart: each uses only its own slots', async () => {
      const { b, write } = budget({ perMinute: 6, perHour: 100 });
      const { gate, release } = latch();
      const first = b.reserve(3, async () => {
        await write();
        await gate;
        await write();
        await write();
      });
      // The second unit makes four writes on a reservation of three: the fourth is admitted on
      // its own and must wait, as the first unit's two unused slots are still set aside.
      let fourthAt: number | undefined;
      const second = b.reserve(3, async () => {
        for (let i = 0; i < 3; i++) await write();
        fourthAt = (await write()) as number;
      });
      await second;
      release();
      await first;
      expect(fourthAt).toBe(60_000);
    });

    it('counts a held slot until its write goes out: a unit stalled past the minute does not let the window overflow', async () => {
      const { b, write, advance } = budget({ perMinute: 4, perHour: 100 });
      const { gate, release } = latch();
      const times: number[] = [];
      const unit = b.reserve(4, async () => {
        times.push((await write()) as number);
        await gate; // e.g. a 60 s retry-after on one of its requests
        for (let i = 0; i < 3; i++) times.push((await write()) as number);
      });
      await Promise.resolve();
      advance(61_000);
      // Writes outside the unit meanwhile: its three held slots leave room for one a minute.
      times.push((await write()) as number);
      const later = write().then((t) => times.push(t as number));
      release();
      await unit;
      await later;
      expect(times).toHaveLength(6);
      for (const t of times)
        expect(times.filter((x) => x >= t && x < t + 60_000).length).toBeLessThanOrEqual(4);
    });

    it("lets a unit's writes beyond its reservation wait as long as the minute needs: stopping half-way would leave it half-written", async () => {
      const { b, write, slept } = budget({ perMinute: 2, perHour: 100, maxWaitMs: 10_000 });
      const times = await b.reserve(1, async () => [await write(), await write(), await write()]);
      expect(times).toEqual([0, 0, 60_000]);
      expect(slept).toEqual([60_000]);
    });

    it("makes a write that only another unit's reservation holds back wait for it to be given back", async () => {
      const { b, write } = budget({ perMinute: 2, perHour: 100 });
      const { gate, release } = latch();
      const unit = b.reserve(2, async () => {
        await gate;
        await write();
      });
      const outside = write();
      release();
      await unit;
      // The unit used one slot and gave the other back: the outside write did not wait a minute.
      const at = (await outside) as number;
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(60_000);
    });

    it('still lets a unit bigger than a whole window through, its last writes waiting their turn', async () => {
      const { b, write, slept } = budget({ perMinute: 2, perHour: 100 });
      await b.reserve(3, async () => {
        for (let i = 0; i < 3; i++) await write();
      });
      expect(slept).toEqual([60_000]);
    });
  });

  describe('a deadline: no wait that would outlast the invocation', () => {
    it('refuses a write that would have to wait past it, at once', async () => {
      const { b, write, slept } = budget({ perMinute: 2, perHour: 100 });
      await write();
      await write();
      b.setDeadline(30_000);
      await expect(write()).rejects.toBeInstanceOf(WriteBudgetExhaustedError);
      expect(slept).toEqual([]);
      b.setDeadline(undefined);
      await write();
      expect(slept).toEqual([60_000]);
    });

    it('starts no reservation once it has passed, even with room; writes of units under way still go', async () => {
      const { b, write, advance } = budget({ perMinute: 10, perHour: 100 });
      b.setDeadline(5_000);
      let started = false;
      const running = b.reserve(2, async () => {
        advance(6_000);
        return [await write(), await write()];
      });
      await expect(running).resolves.toEqual([6_000, 6_000]);
      await expect(
        b.reserve(1, async () => {
          started = true;
        }),
      ).rejects.toBeInstanceOf(WriteBudgetExhaustedError);
      expect(started).toBe(false);
      expect(b.msUntilDeadline()).toBe(0);
    });

    it('waits when the wait ends before it', async () => {
      const { b, write, slept } = budget({ perMinute: 1, perHour: 100 });
      await write();
      b.setDeadline(90_000);
      await write();
      expect(slept).toEqual([60_000]);
    });
  });
});

describe('the writeBudget Octokit plugin', () => {
  let server: GitHubTestServer | undefined;
  afterEach(async () => {
    server?.assertNoViolations();
    await server?.close();
    server = undefined;
  });

  it("sends an Octokit's writes through its own budget, exposed as octokit.writeBudget, and its reads around it", async () => {
    server = await createGitHubTestServer();
    server.createRepo('acme', 'env', { files: { 'a.yaml': 'a: 1\n' } });
    const octokit = createOctokit({
      baseUrl: server.url,
      auth: 'test-token',
      writesPerMinute: 1,
      writesPerHour: 0,
    });
    const other = createOctokit({
      baseUrl: server.url,
      auth: 'test-token',
      writesPerMinute: 1,
      writesPerHour: 0,
    });
    octokit.writeBudget.setDeadline(10_000);
    const issue = (title: string, client = octokit) =>
      client.rest.issues.create({ owner: 'acme', repo: 'env', title });
    await issue('one');
    // The minute's one write is spent and the next slot is after the deadline: refused, unsent.
    await expect(issue('two')).rejects.toBeInstanceOf(WriteBudgetExhaustedError);
    await octokit.rest.repos.get({ owner: 'acme', repo: 'env' });
    // Another Octokit has a budget of its own.
    await issue('three', other);
    expect(server.requests.filter((r) => r.operationId === 'issues/create')).toHaveLength(2);
    expect(server.requests.filter((r) => r.operationId === 'repos/get')).toHaveLength(1);
  });
});
