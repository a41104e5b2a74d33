/**
 * After a source was rolled back by hand to a tag an older updater PR once brought, the
 * promotion PR credits no PR: a later merged updater PR moved the source away, so the old PR's
 * merge time is not how long the source has run the tag.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { landingsOf } from '../../../../lambdas/core/apply/landings.ts';
import { stateMarker } from '../../../../lambdas/core/apply/pr-state.ts';
import { promotionSections } from '../../../../lambdas/core/apply/promotion-section.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import type { PullRequestInfo } from '../../../../lambdas/ports/git-host.ts';
import { deployment, ECR } from '../../../support/github-env.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

const merged = (number: number, tag: string, digest: string, mergedAt: string): PullRequestInfo => ({
  number,
  nodeId: `PR_${number}`,
  state: 'closed',
  merged: true,
  mergedAt: new Date(mergedAt),
  mergeCommitSha: String(number).repeat(40).slice(0, 40),
  headRef: 'image-updater/api-dev',
  headSha: 'f'.repeat(40),
  baseRef: 'main',
  title: `chore(images): update api-dev to ${tag}`,
  body: `body\n\n${stateMarker({
    v: 1,
    key: 'api-dev',
    base: 'e'.repeat(40),
    commit: 'f'.repeat(40),
    policies: { 'api-dev': { tag, digest, updateType: 'minor' } },
  })}`,
  labels: [],
  autoMerge: false,
});

describe('a promotion after the source was rolled back by hand', () => {
  it('does not credit the PR a later merge superseded, nor its merge time', async () => {
    const loaded = parseConfig(`version: 1
policies:
  - {name: api-dev, image: ${API}, files: ["dev/**"]}
  - {name: api-staging, image: ${API}, promote: {from: api-dev}, files: ["staging/**"]}
`);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    // #12 brought 1.5.0 on Dec 1, #13 brought 1.6.0 on Dec 5; on Dec 7 a person reverted dev to
    // 1.5.0 by hand. (The page is most recently updated first.)
    const closed = [
      merged(13, '1.6.0', B, '2026-12-05T10:00:00Z'),
      merged(12, '1.5.0', A, '2026-12-01T10:00:00Z'),
    ];
    const plan = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo({
        'dev/app.yaml': deployment(`${API}:1.5.0@${A}`),
        'staging/app.yaml': deployment(`${API}:1.4.0@${'sha256:' + 'c'.repeat(64)}`),
      }),
      policies: [loaded.config.policies[1]!],
      promotion: { defaultBranch: 'main', landed: landingsOf(closed) },
    });
    const [section] = promotionSections(plan.units[0]!, new Date('2026-12-07T10:05:00Z'));
    expect(section?.markdown).not.toContain('brought there by #12');
    expect(section?.markdown).not.toContain('6 d');
  });
});
