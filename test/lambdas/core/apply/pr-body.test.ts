/** What a reviewer reads in an updater PR's description (the table, the notes under it). */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { formatInstant, renderPrBody, stateOf } from '../../../../lambdas/core/apply/pr-state.ts';
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
