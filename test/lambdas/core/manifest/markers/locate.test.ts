import { describe, expect, it } from 'vitest';
import { parseMarker, referencesFor } from '../../../../../lambdas/core/manifest/index.ts';
import { DIGEST_NEW, DIGEST_OLD, bump, scan } from '../helpers.ts';

describe('parseMarker: the policy name and the field', () => {
  it.each([
    ['{"$imagepolicy": "automation-ns:policy"}', { policy: 'automation-ns:policy', field: 'whole' }],
    ['{"$imagepolicy": "automation-ns:policy:tag"}', { policy: 'automation-ns:policy', field: 'tag' }],
    ['{"$imagepolicy": "automation-ns:policy:name"}', { policy: 'automation-ns:policy', field: 'name' }],
    ['{"$imagepolicy": "automation-ns:policy:digest"}', { policy: 'automation-ns:policy', field: 'digest' }],
    ['{"$imagepolicy": "api"}', { policy: 'api', field: 'whole' }],
    ['{"$imagepolicy": "api:tag"}', { policy: 'api', field: 'tag' }],
    ['{"$imagepolicy":"ns:api:tags"}', { policy: 'ns:api:tags', field: 'whole' }],
  ])('%s', (comment, marker) => {
    expect(parseMarker(comment)).toEqual(marker);
  });

  it.each([
    'a plain comment',
    '{"$imagepolicy": ""}',
    '{"$imagepolicy": 3}',
    '{"$setter": "api"}',
    '{"$imagepolicy": "api"} trailing words',
    '{not json}',
    '["$imagepolicy"]',
  ])('not a marker: %s', (comment) => {
    expect(parseMarker(comment)).toBeUndefined();
  });
});

describe('markers locator', () => {
  it('finds whole markers on any scalar, whatever the document is', () => {
    const text = `apiVersion: example.com/v1
kind: Thing
spec:
  runner: shop/api:1.0.0 # {"$imagepolicy": "flux-system:api"}
  args: ["--image", "shop/api:1.0.0"] # not a marker
  list:
    - 'shop/api:1.0.0'  #   {"$imagepolicy": "flux-system:api"}
`;
    expect(scan(text).map((r) => [r.line, r.format, r.policy, r.markerFields])).toEqual([
      [4, 'marker', 'flux-system:api', ['whole']],
      [7, 'marker', 'flux-system:api', ['whole']],
    ]);
  });

  it('groups :name, :tag and :digest markers of one policy in one mapping into one reference', () => {
    const text = `image:
  repository: shop/api # {"$imagepolicy": "ns:api:name"}
  tag: 1.0.0 # {"$imagepolicy": "ns:api:tag"}
  digest: ${DIGEST_OLD} # {"$imagepolicy": "ns:api:digest"}
other:
  tag: 2.0.0 # {"$imagepolicy": "ns:api:tag"}
`;
    const references = scan(text);
    expect(references.map((r) => [r.line, r.image, r.tag, r.digest, r.markerFields])).toEqual([
      [3, 'docker.io/shop/api', '1.0.0', DIGEST_OLD, ['name', 'tag', 'digest']],
      [6, undefined, '2.0.0', undefined, ['tag']],
    ]);
    const result = bump(text, { policy: 'ns:api', image: 'shop/api', tag: '1.1.0', digest: DIGEST_NEW });
    expect(result.changes.map((c) => c.line)).toEqual([3, 4, 6]);
  });

  it('a :tag marker takes the unmarked digest beside it along, so the old digest never stays', () => {
    const text = `image:\n  repository: shop/api\n  tag: 1.0.0 # {"$imagepolicy": "api:tag"}\n  digest: ${DIGEST_OLD}\n`;
    const without = bump(text, { image: 'shop/api', tag: '1.1.0' });
    expect(without.changes).toEqual([]);
    expect(without.skipped[0]?.reason).toMatch(/pins digest/);
    const withDigest = bump(text, { image: 'shop/api', tag: '1.1.0', digest: DIGEST_NEW });
    expect(withDigest.changes.map((c) => c.to)).toEqual(['1.1.0', DIGEST_NEW]);
  });

  it('a marker on an alias edits the anchored scalar', () => {
    const text = `defaults:
  image: &img shop/api:1.0.0
apiVersion: v1
kind: Pod
spec:
  containers:
    - name: a
      image: *img # {"$imagepolicy": "api"}
`;
    const result = bump(text, { image: 'nope/nope', tag: '1.1.0' });
    expect(result.text).toBe(text.replace('&img shop/api:1.0.0', '&img shop/api:1.1.0'));
  });

  describe('precedence over structure', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: pinned
          image: shop/api:1.0.0 # {"$imagepolicy": "flux-system:api-canary"}
        - name: free
          image: shop/api:1.0.0
`;

    it('a marker for another policy wins over a structural match', () => {
      const references = referencesFor(scan(text), { name: 'api', image: 'shop/api' });
      expect(references.map((r) => [r.line, r.format])).toEqual([[11, 'kubernetes']]);
      expect(bump(text, { image: 'shop/api', tag: '2.0.0' }).changes.map((c) => c.line)).toEqual([11]);
    });

    it('the marked value follows its own policy, whatever the image', () => {
      const result = bump(text, {
        policy: 'flux-system:api-canary',
        image: 'ghcr.io/other/thing',
        tag: '2.0.0-rc.1',
      });
      expect(result.changes.map((c) => [c.line, c.to])).toEqual([[9, 'shop/api:2.0.0-rc.1']]);
    });

    it('a marker on any field of a Helm image map takes the whole map out of structural matching', () => {
      const values = 'image:\n  repository: shop/api # {"$imagepolicy": "other:name"}\n  tag: 1.0.0\n';
      expect(referencesFor(scan(values), { name: 'api', image: 'shop/api' })).toEqual([]);
    });
  });
});
