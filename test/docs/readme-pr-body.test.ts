/** The README shows a real PR description: the one the updater's code renders today. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { examplePrBody, README_PATH, withExample } from '../../scripts/example-pr-body.ts';
import { readPrState } from '../../lambdas/core/apply/pr-state.ts';

describe('the README’s example pull request', () => {
  it('is what the updater renders for the example push (run `npm run readme` when this fails)', async () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readme).toBe(withExample(readme, await examplePrBody()));
  });

  it('is a description the updater reads back: its hidden state proposes 1.4.3 for api-prod', async () => {
    expect(readPrState(await examplePrBody())).toMatchObject({
      key: 'api-prod',
      policies: { 'api-prod': { tag: '1.4.3', from: '1.4.2', updateType: 'patch' } },
    });
  });
});
