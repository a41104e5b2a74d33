/**
 * Hostile tags: strings that try to inject YAML into a manifest, or that fall outside the OCI tag
 * grammar, arriving through every door (a registry event, a normalised push, a registry tag
 * list, a direct apply). None is ever written; the answer says why; each is decided at once.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load.ts';
import { decodeMessage } from '../../lambdas/handlers/messages.ts';
import { planUpdates } from '../../lambdas/core/plan/plan.ts';
import { deployment, ECR, githubEnv, push } from '../support/github-env.ts';
import { MemoryRepo } from '../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const CONFIG = `version: 1
policies:
  - name: api
    image: ${API}
    strategy: alphabetical
    files: ["apps/**"]
`;

/** Each would change what a YAML reader sees if it were pasted after `image: …:`. */
export const HOSTILE_TAGS: readonly [string, string][] = [
  ['a newline and a new key', '1.4.3\nimage: evil.example.com/x:1'],
  ['a CRLF and a document end', '1.4.3\r\n...\r\n--- {a: b}'],
  ['a comment', '1.4.3 # ok'],
  ['a flow mapping', '1.4.3: {a: b}'],
  ['quotes', '1.4.3\'"x'],
  ['an anchor', '&a 1.4.3'],
  ['an alias', '*a'],
  ['a tag directive', '!!python/object:os.system'],
  ['a leading dash', '-1.4.3'],
  ['a leading dot', '.1.4.3'],
  ['spaces', '1.4.3 latest'],
  ['a NUL byte', '1.4.3\u0000'],
  ['a template token', '{{policy}}'],
  ['full-width digits', '１.４.３'],
  ['129 characters', `v${'9'.repeat(128)}`],
  ['the empty string', ''],
];

function plan(tags: readonly string[]) {
  const loaded = parseConfig(CONFIG);
  if (!loaded.ok) throw new Error('bad test config');
  const repo = new MemoryRepo({ 'apps/api.yaml': deployment(`${API}:1.4.2`) });
  return planUpdates({
    config: loaded.config,
    repo,
    pushes: tags.map((tag) => push(API, tag)),
  });
}

describe('hostile tags never reach a file', () => {
  it.each(HOSTILE_TAGS)('%s: the plan proposes nothing and says no tag is allowed', async (_, tag) => {
    const start = performance.now();
    const result = await plan([tag]);
    expect(result.units).toEqual([]);
    expect(result.decisions[0]).toMatchObject({ outcome: 'no-candidate' });
    expect(result.decisions[0]?.reason).toMatch(/\S/);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('a valid tag next to all of them is the only one chosen', async () => {
    const result = await plan([...HOSTILE_TAGS.map(([, t]) => t), '1.4.9']);
    expect(result.decisions[0]).toMatchObject({ outcome: 'update', to: { tag: '1.4.9' } });
    expect(result.units[0]?.files[0]?.after).toBe(deployment(`${API}:1.4.9`));
  });

  it.each(HOSTILE_TAGS)(
    '%s: as an ECR event it is acknowledged as ignored or malformed, never a push',
    (_, tag) => {
      const decoded = decodeMessage(
        JSON.stringify({
          version: '0',
          id: 'e-1',
          'detail-type': 'ECR Image Action',
          source: 'aws.ecr',
          account: '123456789012',
          time: '2026-01-01T00:00:00Z',
          region: 'eu-west-1',
          resources: [],
          detail: {
            result: 'SUCCESS',
            'repository-name': 'shop/api',
            'action-type': 'PUSH',
            'image-tag': tag,
          },
        }),
      );
      expect(decoded.kind).not.toBe('push');
    },
  );

  it.each(HOSTILE_TAGS)('%s: as a normalised push message it is malformed', (_, tag) => {
    const decoded = decodeMessage(
      JSON.stringify({ kind: 'push', push: { image: API, tag }, source: 'harbor' }),
    );
    expect(decoded).toMatchObject({ kind: 'malformed', reason: expect.stringContaining('tag') });
  });

  it('applied straight to a GitHub repository (past every decoder), nothing is written', async () => {
    const env = await githubEnv({
      '.image-updater.yaml': CONFIG,
      'apps/api.yaml': deployment(`${API}:1.4.2`),
    });
    try {
      const report = await env.apply(HOSTILE_TAGS.map(([, tag]) => push(API, tag)));
      expect(report.units).toEqual([]);
      expect(env.server.writeCount()).toBe(0);
      expect(env.server.listPulls('acme', 'gitops', { state: 'all' })).toEqual([]);
      env.server.assertNoViolations();
    } finally {
      await env.close();
    }
  });

  it('from a registry tag list (reconcile), none is chosen: only the valid tag beside them', async () => {
    const loaded = parseConfig(CONFIG);
    if (!loaded.ok) throw new Error('bad test config');
    const result = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo({ 'apps/api.yaml': deployment(`${API}:1.4.2`) }),
      tagLists: new Map([[API, [...HOSTILE_TAGS.map(([, tag]) => ({ tag })), { tag: '1.4.9' }]]]),
    });
    expect(result.decisions[0]).toMatchObject({ outcome: 'update', to: { tag: '1.4.9' } });
    expect(result.units[0]?.files[0]?.after).toBe(deployment(`${API}:1.4.9`));
  });
});
