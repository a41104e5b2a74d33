/**
 * A batch's records as the worker's work: pushes coalesced per image and tag (the latest event
 * wins), GitHub's repository events one by one, the rest logged, counted and acknowledged.
 */
import type { SQSRecord } from 'aws-lambda';
import type { DecodedMessage } from '../adapters/sqs/messages.ts';
import { canonicalImageName } from '../core/image/reference.ts';
import type { PushedImage } from '../core/push.ts';
import type { RepoEvent } from '../core/repo-events.ts';
import { METRIC } from '../names.ts';
import type { Log, MetricSink } from '../ports/telemetry.ts';

export interface PushEntry {
  push: PushedImage;
  /** Records that carried this image and tag. */
  readonly messageIds: string[];
  readonly correlationIds: string[];
}

export interface RepoEventEntry {
  readonly event: RepoEvent;
  readonly messageId: string;
  /** The delivery id. */
  readonly id: string;
}

/**
 * Decodes, logs and counts every record; returns the pushes, one per image and tag, and GitHub's
 * repository events, one per record.
 */
export function coalesce(
  { log, metrics }: { readonly log: Log; readonly metrics: MetricSink },
  decoded: readonly { record: SQSRecord; message: DecodedMessage }[],
): { readonly entries: PushEntry[]; readonly events: RepoEventEntry[] } {
  const byKey = new Map<string, PushEntry>();
  const events: RepoEventEntry[] = [];
  for (const { record, message } of decoded) {
    if (message.kind === 'malformed') {
      metrics.addMetric(METRIC.eventsMalformed, 'Count', 1);
      log.error('malformed message acknowledged', {
        correlation_id: record.messageId,
        reason: message.reason,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        bodyBytes: record.body.length,
      });
      continue;
    }
    const correlationId = message.id ?? record.messageId;
    if (message.kind === 'ignored') {
      metrics.addMetric(METRIC.eventsIgnored, 'Count', 1);
      log.info('event ignored', {
        correlation_id: correlationId,
        source: message.source,
        reason: message.reason,
        detail: message.detail,
      });
      continue;
    }
    if (message.kind === 'repo-event') {
      const { event } = message;
      log.info('github event received', {
        type: event.type,
        ...(event.type === 'repositories' ? { installationId: event.installationId } : { repo: event.repo }),
        delivery: message.id,
      });
      events.push({ event, messageId: record.messageId, id: message.id });
      continue;
    }
    const { push } = message;
    // Once per push: a record back for another try is not news.
    const again = Number(record.attributes?.ApproximateReceiveCount ?? '1') > 1;
    (again ? log.debug : log.info).call(log, 'push received', {
      correlation_id: correlationId,
      source: message.source,
      image: push.image,
      tag: push.tag,
      ...(push.digest ? { digest: push.digest } : {}),
      ...(push.pushedAt ? { pushedAt: push.pushedAt.toISOString() } : {}),
    });
    const key = `${canonicalImageName(push.image) ?? push.image}:${push.tag}`;
    const entry = byKey.get(key);
    if (!entry) {
      byKey.set(key, { push, messageIds: [record.messageId], correlationIds: [correlationId] });
      continue;
    }
    entry.messageIds.push(record.messageId);
    entry.correlationIds.push(correlationId);
    // The same tag pushed twice (moved to a new digest): the later event is the current one.
    if ((push.pushedAt?.getTime() ?? 0) >= (entry.push.pushedAt?.getTime() ?? 0)) entry.push = push;
  }
  // Oldest first, so when the core merges candidates per tag the newest facts come last.
  const entries = [...byKey.values()].sort(
    (a, b) => (a.push.pushedAt?.getTime() ?? 0) - (b.push.pushedAt?.getTime() ?? 0),
  );
  return { entries, events };
}
