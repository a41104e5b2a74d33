import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { decide } from '../../../../lambdas/core/plan/decide.ts';
import { scanManifest } from '../../../../lambdas/core/manifest/index.ts';
import { compareTags } from '../../../../lambdas/core/tags/index.ts';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api';
const parsed = parseConfig(`version: 1
policies:
  - name: api
    image: ${IMAGE}
`);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const policy = parsed.config.policies[0]!;

function referencesAt(tag: string) {
  const scanned = scanManifest(`image: ${IMAGE}:${tag} # {"$imagepolicy": "api"}\n`, 'a.yaml');
  if (!scanned.ok) throw new Error(scanned.error.message);
  return scanned.references;
}

const version = fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map(([a, b, c]) => `${a}.${b}.${c}`);

describe('decide with a closed PR ("closed means no")', () => {
  it('never proposes the closed tag or one below it, and proposes the greatest one above', () => {
    fc.assert(
      fc.property(version, version, fc.uniqueArray(version, { maxLength: 8 }), (current, closed, tags) => {
        const d = decide({
          policy,
          references: referencesAt(current),
          candidates: tags.map((tag) => ({ tag })),
          ignored: { tag: closed, pull: 7 },
        });
        const allowed = tags.filter(
          (t) => compareTags(policy, t, closed)! > 0 && compareTags(policy, t, current)! > 0,
        );
        const best = allowed.sort((a, b) => compareTags(policy, b, a)!)[0];
        expect(d.to?.tag).toBe(best);
      }),
    );
  });

  it('says why it held an update back, naming the PR', () => {
    const d = decide({
      policy,
      references: referencesAt('1.0.0'),
      candidates: [{ tag: '1.2.0' }, { tag: '1.3.0' }],
      ignored: { tag: '1.3.0', pull: 7 },
    });
    expect(d.outcome).not.toBe('update');
    expect(d.reason).toMatch(/^held: 1\.3\.0 and older were closed unmerged in #7/);
  });
});
