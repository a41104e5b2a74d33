/** What a reviewer reads in a promotion's PR: where it comes from, since when, and the digest. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { renderPrBody } from '../../../../lambdas/core/apply/pr-body.ts';
import { stateOf } from '../../../../lambdas/core/apply/pr-state.ts';
import { formatDuration, promotionSections } from '../../../../lambdas/core/apply/promotion-section.ts';
import { planUpdates, type PlanInput } from '../../../../lambdas/core/plan/plan.ts';
import { deployment, ECR } from '../../../support/github-env.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const DIGEST = `sha256:${'a'.repeat(64)}`;

async function promotionUnit(
  dev: string,
  landed?: NonNullable<PlanInput['promotion']>['landed'],
  { after, now }: { readonly after?: string; readonly now?: Date } = {},
) {
  const loaded = parseConfig(`version: 1
policies:
  - {name: api-dev, image: ${API}, files: ["dev/**"]}
  - {name: api-staging, image: ${API}, promote: {from: api-dev${after ? `, after: ${after}` : ''}}, files: ["staging/**"]}
`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const plan = await planUpdates({
    config: loaded.config,
    repo: new MemoryRepo({
      'dev/app.yaml': deployment(dev),
      'staging/app.yaml': deployment(`${API}:1.4.0${dev.includes('@') ? `@sha256:${'b'.repeat(64)}` : ''}`),
    }),
    policies: [loaded.config.policies[1]!],
    promotion: { defaultBranch: 'main', ...(landed ? { landed } : {}) },
    ...(now ? { now } : {}),
  });
  const unit = plan.units[0];
  if (!unit) throw new Error('no unit planned');
  return unit;
}

describe('the Promotion section', () => {
  it('links the upstream PR and its merge commit, says since when and for how long, and shows the digest', async () => {
    const at = new Date('2026-12-07T01:00:00Z');
    const unit = await promotionUnit(`${API}:1.5.0@${DIGEST}`, () => ({
      pull: 12,
      commit: 'c'.repeat(40),
      at,
    }));
    const [section] = promotionSections(unit, new Date('2026-12-07T03:20:00Z'));
    expect(section?.heading).toBe('Promotion');
    expect(section?.markdown).toBe(
      [
        `- api-staging follows api-dev, which runs \`1.5.0\` on \`main\` (\`dev/app.yaml:10\`): brought there by #12 (${'c'.repeat(40)}), since 2026-12-07T01:00:00Z (2 h 20 min when this was written).`,
        `  - the same image, digest \`${DIGEST}\`.`,
      ].join('\n'),
    );
    expect(renderPrBody(unit, stateOf(unit, 'b', 'c'))).toContain(
      '### Promotion\n\n- api-staging follows api-dev',
    );
  });

  it('says when the source holds no digest, and when the change came from elsewhere than an updater PR', async () => {
    const unit = await promotionUnit(`${API}:1.5.0`);
    const [section] = promotionSections(unit);
    expect(section?.markdown).toContain(
      'brought there by a commit that was not an image-updater pull request on the latest page of pull requests.',
    );
    expect(section?.markdown).toContain(
      'no digest in the files of api-dev: the tag is promoted, and resolves to whatever it points at in the registry.',
    );
  });

  it('says how long the source ran of the soak promote.after asked for', async () => {
    const at = new Date('2026-12-07T01:00:00Z');
    const now = new Date('2026-12-07T03:20:00Z');
    const unit = await promotionUnit(`${API}:1.5.0@${DIGEST}`, () => ({ pull: 12, at }), {
      after: '2h',
      now,
    });
    const [section] = promotionSections(unit, now);
    expect(section?.markdown.split('\n')[1]).toBe(
      '  - soak: ran 2 h 20 min of the required 2 h (`promote.after: 2h`, due at 2026-12-07T03:00:00Z).',
    );
  });

  it.each([
    [0, '0 s'],
    [45_000, '45 s'],
    [3 * 60_000, '3 min'],
    [2 * 3600_000, '2 h'],
    [26 * 3600_000, '1 d 2 h'],
  ])('formatDuration(%d) is %s', (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown);
  });
});
