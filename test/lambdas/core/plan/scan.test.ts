import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import { policyReferences, scanRepo } from '../../../../lambdas/core/plan/scan.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const parsed = parseConfig(`version: 1
policies:
  - name: api
    image: ${ECR}/shop/api
`);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const config = parsed.config;

const values = (marker: string) => `image:
  repository: ${ECR}/shop/api
  tag: 1.4.2 # {"$imagepolicy": "${marker}"}
`;

describe('a `:tag` marker reference', () => {
  it('knows its image from the policy it names', async () => {
    const repo = new MemoryRepo({ 'values.yaml': values('api:tag') });
    const scan = await scanRepo(config.policies, repo);
    const refs = [...policyReferences(config.policies[0]!, scan).values()].flat();
    expect(refs.map((r) => [r.tag, r.image])).toEqual([['1.4.2', `${ECR}/shop/api`]]);
  });

  it('reports the image with its change in the plan', async () => {
    const repo = new MemoryRepo({ 'values.yaml': values('api:tag') });
    const plan = await planUpdates({ config, repo, pushes: [{ image: `${ECR}/shop/api`, tag: '1.5.0' }] });
    expect(plan.units[0]?.files[0]?.changes).toEqual([
      { policy: 'api', line: 3, image: `${ECR}/shop/api`, from: '1.4.2', to: '1.5.0' },
    ]);
  });
});
