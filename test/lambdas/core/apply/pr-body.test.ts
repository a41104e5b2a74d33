/** What a reviewer reads in an updater PR's description (the table, the notes, what happens next, the digests). */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { formatInstant, readPrState, stateOf } from '../../../../lambdas/core/apply/pr-state.ts';
import { renderPrBody, whatHappensNext } from '../../../../lambdas/core/apply/pr-body.ts';
import { MAX_BODY_CHARS } from '../../../../lambdas/core/apply/markdown.ts';
import type { PushedImage } from '../../../../lambdas/core/push.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import { deployment, ECR, push } from '../../../support/github-env.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const WORKER = `${ECR}/shop/worker`;

async function unitFor(policy: string, image: string, from: string, to: string, pushedAt?: Date) {
  const loaded = parseConfig(`version: 1\npolicies:\n  - ${policy}\n`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const plan = await planUpdates({
    config: loaded.config,
    repo: new MemoryRepo({ 'apps/app.yaml': deployment(`${image}:${from}`) }),
    pushes: [push(image, to, pushedAt ? { pushedAt } : {})],
  });
  const unit = plan.units[0];
  if (!unit) throw new Error('no unit planned');
  return { unit, decision: plan.decisions[0]!, body: renderPrBody(unit, stateOf(unit, 'b', 'c')) };
}

describe('formatInstant', () => {
  it.each([
    ['whole seconds', '2026-12-02T10:00:00.000Z', '2026-12-02T10:00:00Z'],
    ['milliseconds', '2026-12-02T10:00:00.250Z', '2026-12-02T10:00:00.250Z'],
  ])('%s', (_, iso, shown) => {
    expect(formatInstant(new Date(iso))).toBe(shown);
  });
});

describe('renderPrBody', () => {
  it('shows the push time to the second', async () => {
    const at = new Date('2026-12-02T10:00:00Z');
    const { body } = await unitFor(`{name: api, image: ${API}}`, API, '1.4.2', '1.4.3', at);
    expect(body).toContain('| patch |  | 2026-12-02T10:00:00Z | `apps/app.yaml` |');
  });

  it('says why a calendar version has update type other, in the PR and in the plan', async () => {
    const { body, decision } = await unitFor(
      `{name: worker, image: ${WORKER}, strategy: calver, layout: YYYY.0M.0D}`,
      WORKER,
      '2026.10.01',
      '2026.12.02',
    );
    expect(body).toContain('| other |');
    expect(body).toMatch(/Update type `other`: update types come from semver.*only when set to `all`/);
    expect(decision.reason).toBe(
      '2026.10.01 → 2026.12.02; calver: update type other, automerge only with `all`',
    );
  });

  it('has no such note for a semver update', async () => {
    const { body } = await unitFor(`{name: api, image: ${API}}`, API, '1.4.2', '1.4.3');
    expect(body).not.toContain('Update type `other`');
  });
});

const DIGEST = `sha256:${'c0ffee'.repeat(10)}abcd`;

/** The unit a config plans for pushes of `to` over files holding `from`. */
async function unitOf(
  policies: string,
  images: readonly (readonly [image: string, from: string, to: string])[],
  extra: Partial<PushedImage> = {},
) {
  const loaded = parseConfig(`version: 1\npolicies:\n${policies}`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const files = Object.fromEntries(
    images.map(([image, from], i) => [`apps/app-${i}.yaml`, deployment(`${image}:${from}`, `app-${i}`)]),
  );
  const plan = await planUpdates({
    config: loaded.config,
    repo: new MemoryRepo(files),
    pushes: images.map(([image, , to]) => push(image, to, extra)),
  });
  const unit = plan.units[0];
  if (!unit) throw new Error('no unit planned');
  return unit;
}

describe('what happens next', () => {
  it.each([
    [
      'auto-merge armed',
      `  - {name: api, image: ${API}, automerge: patch}\n`,
      '1.4.3',
      /^\*\*Merges by itself\*\*: image-updater arms GitHub auto-merge \(`squash`\)/,
    ],
    [
      'merged at once',
      `  - {name: api, image: ${API}, automerge: all, mergeStrategy: immediate, mergeMethod: rebase}\n`,
      '1.4.3',
      /^\*\*Merges by itself\*\*: image-updater merges it \(`rebase`\) as soon as GitHub reports it mergeable/,
    ],
    [
      'no automerge',
      `  - {name: api, image: ${API}, reviewers: [alice, acme/platform]}\n`,
      '1.4.3',
      /^\*\*Waits for review\*\*: api has `automerge: none`\. Review requested from `alice`, `acme\/platform`\.$/,
    ],
    [
      'a minor update that automerge: patch does not cover',
      `  - {name: api, image: ${API}, automerge: patch}\n`,
      '1.5.0',
      /^\*\*Waits for review\*\*: `automerge: patch` of api does not cover its minor update\.$/,
    ],
  ])('%s', async (_, policies, to, first) => {
    const unit = await unitOf(policies, [[API, '1.4.2', to]]);
    const [line, , ...rest] = whatHappensNext(unit);
    expect(line).toMatch(first);
    expect(rest.join('\n')).toContain(
      `api \`${to}\` and older tags are not proposed again (reopen it to undo)`,
    );
  });

  it('a group names only the members whose automerge does not cover their update', async () => {
    const unit = await unitOf(
      `  - {name: api, image: ${API}, group: shop, automerge: minor}\n  - {name: worker, image: ${WORKER}, group: shop, automerge: patch}\n`,
      [
        [API, '1.4.2', '1.5.0'],
        [WORKER, '2.0.0', '2.1.0'],
      ],
    );
    expect(whatHappensNext(unit)[0]).toBe(
      '**Waits for review**: `automerge: patch` of worker does not cover its minor update.',
    );
  });
});

describe('the description', () => {
  it('links the new tag to its image page in the registry and shows the digest in full, collapsed', async () => {
    const unit = await unitOf(`  - {name: api, image: ${API}}\n`, [[API, '1.4.2', '1.4.3']], {
      digest: DIGEST,
    });
    const body = renderPrBody(unit, stateOf(unit, 'b', 'c'));
    expect(body).toContain(
      `[\`1.4.3\`](https://eu-west-1.console.aws.amazon.com/ecr/repositories/private/123456789012/shop/api/_/image/${DIGEST}/details?region=eu-west-1)`,
    );
    expect(body).toContain(`| \`${DIGEST.slice(0, 19)}…\` |`);
    expect(body).toMatch(
      new RegExp(
        `<details><summary>Digests in full</summary>\\n\\n[^]*\\| api \\| \`1\\.4\\.3\` \\| \`${DIGEST}\` \\|\\n\\n</details>`,
      ),
    );
  });

  it('has no digest block when no update carries a digest', async () => {
    const unit = await unitOf(`  - {name: api, image: ${API}}\n`, [[API, '1.4.2', '1.4.3']]);
    expect(renderPrBody(unit, stateOf(unit, 'b', 'c'))).not.toContain('<details>');
  });

  it('keeps room for a feature’s section (provenance), above what happens next', async () => {
    const unit = await unitOf(`  - {name: api, image: ${API}}\n`, [[API, '1.4.2', '1.4.3']]);
    const body = renderPrBody(unit, stateOf(unit, 'b', 'c'), [
      { heading: 'Provenance', markdown: 'Built from acme/api at `abc123`.' },
    ]);
    expect(body.indexOf('### Provenance\n\nBuilt from acme/api at `abc123`.')).toBeGreaterThan(0);
    expect(body.indexOf('### Provenance')).toBeLessThan(body.indexOf('### What happens next'));
  });

  it('stays under GitHub’s 65,536 characters: a section that does not fit goes, the state stays whole', async () => {
    const unit = await unitOf(`  - {name: api, image: ${API}}\n`, [[API, '1.4.2', '1.4.3']]);
    const state = stateOf(unit, 'b', 'c');
    const body = renderPrBody(unit, state, [{ heading: 'Provenance', markdown: 'x'.repeat(70_000) }]);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(body).not.toContain('### Provenance');
    expect(readPrState(body)).toEqual(state);
  });

  it('names at most 20 files a policy changed, and how many more', async () => {
    const loaded = parseConfig(`version: 1\npolicies:\n  - {name: api, image: ${API}}\n`);
    if (!loaded.ok) throw new Error('bad config');
    const files = Object.fromEntries(
      Array.from({ length: 45 }, (_, i) => [
        `apps/a-${String(i).padStart(2, '0')}.yaml`,
        deployment(`${API}:1.4.2`),
      ]),
    );
    const plan = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo(files),
      pushes: [push(API, '1.4.3')],
    });
    const body = renderPrBody(plan.units[0]!, stateOf(plan.units[0]!, 'b', 'c'));
    expect(body).toContain('`apps/a-19.yaml`<br>and 25 more |');
    expect(body).not.toContain('apps/a-20.yaml');
  });
});
