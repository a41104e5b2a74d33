/**
 * An EventBridge `ECR Image Action` event delivered over HTTP by an EventBridge API destination,
 * so another account's (or a self-hosted updater's) ECR pushes reach this endpoint. The API
 * destination's connection uses API-key authorisation with header `Authorization` and value
 * `Bearer <secret>`. The event is read by the same schema and rules as the EventBridge rule's.
 */
import { readEcrEvent, type EcrIgnoreReason } from '../ecr/event.ts';
import { sharedSecretMatches } from './auth.ts';
import { describeZodError, malformed, parseJson } from './body.ts';
import type { ParseResult, WebhookIgnoreReason, WebhookProvider, WebhookRequest } from './types.ts';

const REASONS: Record<EcrIgnoreReason, WebhookIgnoreReason> = {
  'not-a-push': 'not-a-push',
  'push-failed': 'push-failed',
  untagged: 'untagged',
  'referrer-tag': 'referrer-tag',
  'invalid-tag': 'invalid-tag',
};

export const ecr: WebhookProvider = {
  name: 'ecr',

  authenticate(request: WebhookRequest, secret: string): boolean {
    return sharedSecretMatches(request.headers.authorization, secret);
  },

  parse(request: WebhookRequest): ParseResult {
    const json = parseJson(request.body);
    if (!json.ok) return malformed(json.reason);
    const event = readEcrEvent(json.value);
    if (event.kind === 'not-an-event')
      return malformed(`not an EventBridge event: ${describeZodError(event.error)}`);
    if (event.kind === 'other-event')
      return {
        kind: 'events',
        pushes: [],
        ignored: [{ reason: 'other-event', detail: `${event.source} ${event.detailType}` }],
      };
    if (event.kind === 'invalid')
      return malformed(`ECR Image Action event: ${describeZodError(event.error)}`);
    const { meaning, id } = event;
    return meaning.kind === 'push'
      ? { kind: 'events', pushes: [{ push: meaning.push, id }], ignored: [] }
      : {
          kind: 'events',
          pushes: [],
          ignored: [{ reason: REASONS[meaning.reason], detail: meaning.detail }],
        };
  },
};
