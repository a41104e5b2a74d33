/**
 * GitHub's own events (a GitHub App's webhook, SPEC §7) at `POST /webhooks/github`: signed with
 * `X-Hub-Signature-256`, checked by `@octokit/webhooks-methods`' `verify` (constant-time), named
 * by `X-GitHub-Event`, identified by `X-GitHub-Delivery` (a GUID, required: the router
 * de-duplicates on it). The events we act on become one `RepoEvent` (`github-events.ts`);
 * `ping` and every other event are acknowledged and ignored. The body must be JSON (the webhook's
 * content type `application/json`; the form-encoded `payload=` variant is refused with a reason).
 */
import { verify } from '@octokit/webhooks-methods';
import { describeZodError, malformed, parseJson } from './body.ts';
import { GITHUB_EVENTS } from './github-events.ts';
import type { ParseResult, WebhookProvider, WebhookRequest } from './types.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_NAME = /^[a-z_]{1,64}$/;

export const github: WebhookProvider = {
  name: 'github',

  async authenticate(request: WebhookRequest, secret: string): Promise<boolean> {
    const signature = request.headers['x-hub-signature-256']?.trim();
    // `verify` throws on an empty secret, body or signature: each is simply not a proof.
    if (!secret || !signature || request.body.length === 0) return false;
    return verify(secret, request.body.toString('utf8'), signature);
  },

  parse(request: WebhookRequest): ParseResult {
    const delivery = request.headers['x-github-delivery']?.trim() ?? '';
    if (!GUID.test(delivery)) return malformed('X-GitHub-Delivery is missing or not a GUID');
    const name = request.headers['x-github-event']?.trim() ?? '';
    if (!EVENT_NAME.test(name)) return malformed('X-GitHub-Event is missing or not an event name');
    const json = parseJson(request.body);
    if (!json.ok)
      return malformed(
        request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
          ? 'the body is form-encoded: set the webhook content type to application/json'
          : json.reason,
      );
    const mapper = Object.hasOwn(GITHUB_EVENTS, name) ? GITHUB_EVENTS[name] : undefined;
    if (!mapper) {
      const detail = name === 'ping' ? 'ping: the webhook is configured' : `GitHub ${name} event`;
      return { kind: 'events', pushes: [], ignored: [{ reason: 'other-event', detail }] };
    }
    const meaning = mapper(json.value);
    if (!('kind' in meaning)) return malformed(`not a GitHub ${name} event: ${describeZodError(meaning)}`);
    if (meaning.kind === 'ignored') return { kind: 'events', pushes: [], ignored: [meaning.ignored] };
    return { kind: 'repo-event', delivery, event: meaning.event };
  },
};
