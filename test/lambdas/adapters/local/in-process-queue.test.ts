import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { GitHostError } from '../../../../lambdas/ports/git-host-errors.ts';
import { QueueError } from '../../../../lambdas/core/queue/errors.ts';
import { InProcessQueue } from '../../../../lambdas/adapters/local/in-process-queue.ts';
import { decodeMessage } from '../../../../lambdas/adapters/sqs/messages.ts';
import type { QueuedPush } from '../../../../lambdas/ports/push-queue.ts';
import { recordingLog } from '../../../support/handlers.ts';

const push = (image: string, tag: string): QueuedPush => ({ push: { image, tag }, source: 'distribution' });

/** A worker stand-in that records the batches it got (as the worker decodes them) and fails on demand. */
function fakeWorker(fail: (tag: string, attempt: number) => boolean = () => false) {
  const batches: { image: string; tags: string[]; attempts: number[] }[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const worker = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    if (gate) await gate;
    const decoded = event.Records.map((r) => ({ record: r, message: decodeMessage(r.body) }));
    const pushes = decoded.map(({ message }) => (message.kind === 'push' ? message.push : undefined));
    batches.push({
      image: pushes[0]!.image,
      tags: pushes.map((p) => p!.tag),
      attempts: event.Records.map((r) => Number(r.attributes.ApproximateReceiveCount)),
    });
    return {
      batchItemFailures: decoded
        .filter(
          ({ record, message }) =>
            message.kind === 'push' &&
            fail(message.push.tag, Number(record.attributes.ApproximateReceiveCount)),
        )
        .map(({ record }) => ({ itemIdentifier: record.messageId })),
    };
  };
  return {
    worker,
    batches,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release() {
      gate = undefined;
      release?.();
    },
  };
}

/** Waits for the queue's own work; a condition that never holds ends at the test's timeout. */
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

describe('InProcessQueue (serve)', () => {
  it('pushes of one image that arrive during its batch are coalesced into the next batch; images run side by side', async () => {
    const w = fakeWorker();
    const queue = new InProcessQueue({ worker: w.worker, log: recordingLog() });
    w.hold();
    await queue.enqueue([push('r.example.com/a', '1.0.0')]);
    await queue.enqueue([
      push('r.example.com/a', '1.0.1'),
      push('r.example.com/a', '1.0.2'),
      push('r.example.com/b', '9.0.0'),
    ]);
    w.release();
    await until(() => queue.isIdle);
    expect(w.batches).toEqual([
      { image: 'r.example.com/a', tags: ['1.0.0'], attempts: [1] },
      { image: 'r.example.com/b', tags: ['9.0.0'], attempts: [1] },
      { image: 'r.example.com/a', tags: ['1.0.1', '1.0.2'], attempts: [1, 1] },
    ]);
    expect(queue.stats()).toMatchObject({ processed: 4, handedBack: 0 });
  });

  it('a retryable failure comes back after the backoff, like an SQS redelivery', async () => {
    const w = fakeWorker((tag, attempt) => tag === '1.0.0' && attempt < 3);
    const queue = new InProcessQueue({ worker: w.worker, log: recordingLog(), retryDelayMs: () => 1 });
    await queue.enqueue([push('r.example.com/a', '1.0.0')]);
    await until(() => queue.isIdle);
    expect(w.batches.map((b) => b.attempts)).toEqual([[1], [2], [3]]);
    expect(queue.stats()).toMatchObject({ processed: 1, handedBack: 0 });
  });

  it('after maxAttempts the push is handed back with one error line (the local dead-letter queue)', async () => {
    const log = recordingLog();
    const w = fakeWorker(() => true);
    const queue = new InProcessQueue({ worker: w.worker, log, retryDelayMs: () => 1, maxAttempts: 2 });
    await queue.enqueue([push('r.example.com/a', '1.0.0')]);
    await until(() => queue.isIdle);
    expect(w.batches).toHaveLength(2);
    expect(queue.stats().handedBack).toBe(1);
    expect(log.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([
      'push handed back',
    ]);
  });

  it('drain: takes no more pushes, runs pending retries at once, resolves when all is applied', async () => {
    const w = fakeWorker((_tag, attempt) => attempt === 1);
    const queue = new InProcessQueue({ worker: w.worker, log: recordingLog(), retryDelayMs: () => 60_000 });
    await queue.enqueue([push('r.example.com/a', '1.0.0')]);
    await until(() => queue.stats().retrying === 1);
    // The retry is a minute away and the drain waits five seconds: it only ends drained if
    // the retry ran at once.
    expect(await queue.drain(5_000)).toBe(true);
    expect(w.batches.map((b) => b.attempts)).toEqual([[1], [2]]);
    const refused = await queue.enqueue([push('r.example.com/a', '1.0.1')]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueError);
    expect((refused as QueueError).code).toBe('QUEUE_CLOSED');
  });

  it('drain gives up after its timeout when a batch hangs', async () => {
    const w = fakeWorker();
    const queue = new InProcessQueue({ worker: w.worker, log: recordingLog() });
    w.hold();
    await queue.enqueue([push('r.example.com/a', '1.0.0')]);
    expect(await queue.drain(50)).toBe(false);
    w.release();
  });

  it('a failure the worker acknowledges (no retry can fix it) is handed back, not counted as applied', async () => {
    const log = recordingLog();
    const forbidden = new GitHostError('GITHUB_FORBIDDEN', 'acme/env: Resource not accessible', {
      status: 403,
    });
    const queue: InProcessQueue = new InProcessQueue({
      log,
      worker: async (event) => {
        queue.recordFailure(
          event.Records.map((r) => r.messageId),
          forbidden,
        );
        return { batchItemFailures: [] };
      },
    });
    await queue.enqueue([{ ...push('r.example.com/a', '1.0.0'), id: 'delivery-7' }]);
    await until(() => queue.isIdle);
    expect(queue.stats()).toMatchObject({ processed: 0, handedBack: 1 });
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([
      expect.objectContaining({
        message: 'push handed back',
        attributes: expect.objectContaining({
          reason: 'not-retryable',
          correlation_id: 'delivery-7',
          tag: '1.0.0',
        }),
      }),
    ]);
  });

  it('stop: after the grace period the work is aborted; a batch that ignores it is handed back after the settle time, once', async () => {
    const log = recordingLog();
    const w = fakeWorker();
    let aborted = 0;
    const queue = new InProcessQueue({
      worker: w.worker,
      log,
      concurrency: 1,
      abort: () => void (aborted += 1),
    });
    w.hold();
    await queue.enqueue([push('r.example.com/a', '1.0.0'), push('r.example.com/b', '2.0.0')]);
    const result = await queue.stop(30, 30);
    expect(aborted).toBe(1);
    expect(result).toEqual({ drained: false, handedBack: 2 });
    w.release();
    await new Promise((r) => setTimeout(r, 20));
    const handedBack = log.entries.filter((e) => e.message === 'push handed back');
    expect(handedBack.map((e) => [e.attributes.tag, e.attributes.reason]).sort()).toEqual([
      ['1.0.0', 'shutdown'],
      ['2.0.0', 'shutdown'],
    ]);
    expect(queue.stats()).toMatchObject({ processed: 0, handedBack: 2 });
    expect(w.batches.map((b) => b.image)).toEqual(['r.example.com/a']);
  });

  it('GitHub events are ordered per repository and per installation, beside the images', async () => {
    const seen: string[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new InProcessQueue({
      log: recordingLog(),
      worker: async (event) => {
        await gate;
        seen.push(
          event.Records.map((r) => {
            const m = decodeMessage(r.body);
            return m.kind === 'repo-event' ? `${m.event.type}:${m.id}` : m.kind;
          }),
        );
        return { batchItemFailures: [] };
      },
    });
    const sha = 'a'.repeat(40);
    const pushEvent = (repo: string, id: string) => ({
      event: { type: 'push' as const, repo, branch: 'main', after: sha, changedPaths: [], truncated: false },
      source: 'github' as const,
      id,
    });
    await queue.enqueue([pushEvent('acme/a', 'a1')]);
    await queue.enqueue([
      pushEvent('ACME/a', 'a2'),
      pushEvent('acme/b', 'b1'),
      {
        event: {
          type: 'repositories',
          installationId: 7,
          added: ['acme/c'],
          removed: [],
          installationRemoved: false,
        },
        source: 'github',
        id: 'i1',
      },
    ]);
    release();
    await until(() => queue.isIdle);
    // acme/a's second event waited for its first (one repository, case-insensitive); b and the installation ran beside it.
    expect(seen).toHaveLength(4);
    expect(seen.findIndex((b) => b.includes('push:a1'))).toBeLessThan(
      seen.findIndex((b) => b.includes('push:a2')),
    );
    expect(seen.flat().sort()).toEqual(['push:a1', 'push:a2', 'push:b1', 'repositories:i1']);
  });
});
