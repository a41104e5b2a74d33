/** The router's GitHub path with the App secret, the octokit/webhooks samples, and a push builder. */
import { readFileSync } from 'node:fs';
import { hubSignature, SECRET, webhookRig } from './rig.ts';

const FIXTURES = new URL('../../../fixtures/github-events/', import.meta.url);
export const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
export const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

/** A payload sample, with the parts the tests change typed loosely. */
interface Sample extends Record<string, unknown> {
  readonly commits: Record<string, unknown>[];
  readonly pull_request: Record<string, unknown>;
  readonly sender: Record<string, unknown>;
  readonly issue: Record<string, unknown> & { readonly labels: Record<string, unknown>[] };
}

export function fixture(name: string): Sample {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Sample;
}

export function githubRig(options: Parameters<typeof webhookRig>[0] = {}) {
  const rig = webhookRig({ secrets: { github: SECRET, default: 'a-registry-secret-only-0001' }, ...options });
  const send = (event: string, body: object | string, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return rig.post('github', text, {
      headers: {
        'x-github-event': event,
        'x-github-delivery': DELIVERY,
        'x-hub-signature-256': hubSignature(text),
        'content-type': 'application/json',
        ...headers,
      },
    });
  };
  return { ...rig, send };
}

/** A push to the default branch of Codertocat/Hello-World with these commits (the sample's shape). */
export function push(fields: Record<string, unknown> = {}) {
  const sample = fixture('push.with-new-branch');
  return { ...sample, before: SHA.replace('6', '7'), created: false, head_commit: null, ...fields };
}
export const commit = (added: string[], modified: string[] = [], removed: string[] = []) => ({
  ...fixture('push.with-new-branch').commits[0],
  added,
  modified,
  removed,
});
