/**
 * `verify` on a source reaches its promotions: a promote policy without a `verify` of its own
 * checks what the source's files hold as the source would, so a digest a person wrote there by
 * hand, which no signature covers, is never promoted.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import type { SignatureVerifier } from '../../../../lambdas/ports/signature-verifier.ts';
import { deployment, ECR } from '../../../support/github-env.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const KEY = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cosign-AbCdEf';
const UNSIGNED = `sha256:${'e'.repeat(64)}`;

describe('a promotion from a source that verifies', () => {
  it('does not promote a digest no signature covers', async () => {
    const loaded = parseConfig(`version: 1
policies:
  - name: api-dev
    image: ${API}
    files: ["dev/**"]
    pin: tag+digest
    verify: {cosign: {key: "${KEY}"}}
  - name: api-prod
    image: ${API}
    promote: {from: api-dev}
    files: ["prod/**"]
    pin: tag+digest
    automerge: minor
`);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const unsigned: SignatureVerifier = {
      verify: async (r) => ({
        ok: false,
        check: 'signature-missing',
        detail: 'no signature',
        ...(r.digest ? { digest: r.digest } : {}),
      }),
    };
    const plan = await planUpdates({
      config: loaded.config,
      // dev edited by hand to an image nobody signed
      repo: new MemoryRepo({
        'dev/app.yaml': deployment(`${API}:1.5.0@${UNSIGNED}`),
        'prod/app.yaml': deployment(`${API}:1.4.0@sha256:${'0'.repeat(64)}`),
      }),
      policies: [loaded.config.policies[1]!],
      promotion: { defaultBranch: 'main' },
      verifier: unsigned,
      now: new Date(),
    });
    const [prod] = plan.decisions;
    expect(prod?.outcome).not.toBe('update');
    expect(plan.units).toEqual([]);
  });
});
