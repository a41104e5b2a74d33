/**
 * The signature gate in the plan: a policy with `verify` proposes a tag only when its digest
 * verified; otherwise nothing is planned and the reason says held or refused, and which check.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../lambdas/config/load.ts';
import type { Config } from '../../../../lambdas/core/config.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import type { Verdict } from '../../../../lambdas/core/verify/types.ts';
import { SIGNATURE_WAIT_MS } from '../../../../lambdas/core/verify/gate.ts';
import { ImageReadError } from '../../../../lambdas/ports/image-reader.ts';
import type { SignatureVerifier } from '../../../../lambdas/ports/signature-verifier.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const IMAGE = 'registry.example.com/shop/api';
const DIGEST = `sha256:${'e'.repeat(64)}`;
const KEY = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';

async function config(verify: boolean): Promise<Config> {
  const loaded = await loadConfig(
    [
      'version: 1',
      'policies:',
      '  - name: api',
      `    image: ${IMAGE}`,
      ...(verify
        ? ['    verify:', '      cosign:', '        key: |', ...KEY.split('\n').map((l) => `          ${l}`)]
        : []),
      '',
    ].join('\n'),
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded.config;
}

const repo = () =>
  new MemoryRepo({
    'deploy.yaml': `kind: Pod\nspec:\n  containers:\n    - name: api\n      image: ${IMAGE}:1.0.0\n`,
  });

const answering = (verdict: Verdict | Error): SignatureVerifier & { asked: unknown[] } => {
  const asked: unknown[] = [];
  return {
    asked,
    verify: async (request) => {
      asked.push(request);
      if (verdict instanceof Error) throw verdict;
      return verdict;
    },
  };
};

async function plan(verifier: SignatureVerifier | undefined, pushedAt = new Date(), verify = true) {
  return planUpdates({
    config: await config(verify),
    repo: repo(),
    pushes: [{ image: IMAGE, tag: '1.1.0', digest: DIGEST, pushedAt }],
    ...(verifier ? { verifier } : {}),
  });
}

describe('the signature gate', () => {
  it('plans the update of a digest that verified, saying so, and asks about the pushed digest', async () => {
    const verifier = answering({ ok: true, digest: DIGEST, via: 'sig-tag' });
    const result = await plan(verifier);
    expect(result.units).toHaveLength(1);
    expect(result.decisions[0]).toMatchObject({ outcome: 'update', to: { tag: '1.1.0', digest: DIGEST } });
    expect(result.decisions[0]!.reason).toBe('1.0.0 → 1.1.0; signature verified (cosign .sig)');
    expect(verifier.asked).toEqual([
      { image: IMAGE, tag: '1.1.0', digest: DIGEST, verify: { cosign: { key: `${KEY}\n` } } },
    ]);
  });

  it.each<[string, Verdict, string]>([
    [
      'no signature yet',
      { ok: false, check: 'signature-missing', detail: `no signature for ${DIGEST}` },
      `held: 1.1.0 (${DIGEST}): signature-missing: no signature for ${DIGEST}; checked again when its signature is pushed`,
    ],
    [
      'a wrong signature',
      {
        ok: false,
        check: 'signature-invalid',
        detail: "the signature does not verify with the policy's key",
      },
      `refused: 1.1.0 (${DIGEST}): signature-invalid: the signature does not verify with the policy's key`,
    ],
    [
      'a payload about another digest',
      { ok: false, check: 'digest-mismatch', detail: 'the signature is for sha256:…' },
      `refused: 1.1.0 (${DIGEST}): digest-mismatch: the signature is for sha256:…`,
    ],
    [
      'a keyless signature by another identity',
      { ok: false, check: 'identity-mismatch', detail: 'signed by a@b.example, not c@d.example' },
      `refused: 1.1.0 (${DIGEST}): identity-mismatch: signed by a@b.example, not c@d.example`,
    ],
    [
      'a keyless policy without its trusted root',
      { ok: false, check: 'trust-root-unavailable', detail: 'the TUF repository did not answer' },
      `held: 1.1.0 (${DIGEST}): trust-root-unavailable: the TUF repository did not answer; checked again when its signature is pushed`,
    ],
  ])('%s: nothing planned, and the reason names the check', async (_name, verdict, reason) => {
    const result = await plan(answering(verdict));
    expect(result.units).toEqual([]);
    expect(result.decisions[0]).toMatchObject({
      outcome: 'no-candidate',
      reason,
      signature: { ...verdict, held: reason.startsWith('held:') },
    });
    expect(result.decisions[0]!.to).toBeUndefined();
  });

  it('refuses an image still unsigned long after its push', async () => {
    const verdict: Verdict = { ok: false, check: 'signature-missing', detail: 'no signature' };
    const result = await plan(answering(verdict), new Date(Date.now() - SIGNATURE_WAIT_MS - 1000));
    expect(result.decisions[0]!.reason).toMatch(/^refused: 1\.1\.0 .*signature-missing/);
  });

  it.each([
    ['just pushed: soon, for a signature whose push sent no event', 0, 2 * 60 * 1000],
    [
      'pushed 5 minutes ago: just past the wait, when it is verified or refused',
      5 * 60 * 1000,
      SIGNATURE_WAIT_MS + 1000,
    ],
  ])('an image held for its signature is looked at again without a push: %s', async (_, ago, after) => {
    const pushedAt = new Date(Date.now() - ago);
    const verdict: Verdict = { ok: false, check: 'signature-missing', detail: 'no signature' };
    const result = await plan(answering(verdict), pushedAt);
    expect(result.decisions[0]!.signature).toMatchObject({
      held: true,
      recheck: { at: new Date(pushedAt.getTime() + after), tag: '1.1.0', digest: DIGEST, pushedAt },
    });
  });

  it.each<[string, Verdict | undefined, number]>([
    ['refused (a wrong signature)', { ok: false, check: 'signature-invalid', detail: 'x' }, 0],
    [
      'refused (unsigned past the wait)',
      { ok: false, check: 'signature-missing', detail: 'x' },
      SIGNATURE_WAIT_MS + 2000,
    ],
    ['not checked (no registry access)', undefined, 0],
  ])('%s: no look again', async (_, verdict, ago) => {
    const result = await plan(verdict && answering(verdict), new Date(Date.now() - ago));
    expect(result.decisions[0]!.signature).toMatchObject({ ok: false });
    expect(result.decisions[0]!.signature).not.toHaveProperty('recheck');
  });

  it('fails closed without a verifier (plan reads no registry): held, nothing planned', async () => {
    const result = await plan(undefined);
    expect(result.units).toEqual([]);
    expect(result.decisions[0]!.reason).toMatch(
      /^held: 1\.1\.0 .*not-checked: signatures are not checked here/,
    );
  });

  it('a registry that may answer later fails the run (the event returns); one that refuses holds', async () => {
    await expect(
      plan(answering(new ImageReadError('IMAGE_READ_UNAVAILABLE', 'down', { retryable: true }))),
    ).rejects.toMatchObject({ code: 'IMAGE_READ_UNAVAILABLE' });
    const refused = await plan(answering(new ImageReadError('IMAGE_READ_UNAUTHORIZED', 'no')));
    expect(refused.units).toEqual([]);
    expect(refused.decisions[0]!.reason).toContain(
      'the registry could not be read (IMAGE_READ_UNAUTHORIZED)',
    );
  });

  it('asks nothing for a policy without verify', async () => {
    const verifier = answering({ ok: false, check: 'signature-missing', detail: 'x' });
    const result = await plan(verifier, new Date(), false);
    expect(result.units).toHaveLength(1);
    expect(verifier.asked).toEqual([]);
  });
});
