import { describe, expect, it } from 'vitest';
import { referencesFor } from '../../../../../lambdas/core/manifest/index.ts';
import { DIGEST_NEW, DIGEST_OLD, bump, scan } from '../helpers.ts';

describe('kustomize locator', () => {
  const kustomization = `resources:
  - deployment.yaml
images:
  - name: shop/api
    newTag: 1.0.0
  - name: placeholder
    newName: ghcr.io/acme/web
    newTag: "2"
  - name: shop/worker
    digest: ${DIGEST_OLD}
  - name: shop/renamed
    newName: shop/renamed-elsewhere
  - name: shop/cli
    newName: ghcr.io/acme/cli:3.1
`;

  it('reads images entries of a file named kustomization.yaml, matching newName when present', () => {
    expect(
      scan(kustomization, 'apps/api/kustomization.yaml').map((r) => [
        r.line,
        r.format,
        r.image,
        r.tag,
        r.digest,
      ]),
    ).toEqual([
      [5, 'kustomize', 'docker.io/shop/api', '1.0.0', undefined],
      [8, 'kustomize', 'ghcr.io/acme/web', '2', undefined],
      [10, 'kustomize', 'docker.io/shop/worker', undefined, DIGEST_OLD],
      [14, 'kustomize', 'ghcr.io/acme/cli', '3.1', undefined],
    ]);
  });

  it('the same document under another file name is Helm values, not a kustomization', () => {
    expect(scan(kustomization, 'values.yaml').every((r) => r.format !== 'kustomize')).toBe(true);
  });

  it('a kustomization is recognised by its kind too, and so are Flux Kustomization and HelmRelease postRenderers', () => {
    const text = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: shop/api
    newTag: 1.0.0
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: api}
spec:
  images:
    - name: shop/api
      newTag: 1.0.0
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: api}
spec:
  postRenderers:
    - kustomize:
        images:
          - name: shop/api
            newTag: 1.0.0
`;
    expect(scan(text, 'flux.yaml').map((r) => [r.document, r.line, r.format])).toEqual([
      [0, 5, 'kustomize'],
      [1, 13, 'kustomize'],
      [2, 23, 'kustomize'],
    ]);
  });

  it('the tag goes to newTag, or into newName when that carries it; digests everywhere they are', () => {
    const result = bump(kustomization, {
      file: 'kustomization.yaml',
      image: 'ghcr.io/acme/cli',
      tag: '3.2',
    });
    expect(result.changes.map((c) => [c.line, c.from, c.to])).toEqual([
      [14, 'ghcr.io/acme/cli:3.1', 'ghcr.io/acme/cli:3.2'],
    ]);
    const digestOnly = bump(kustomization, {
      file: 'kustomization.yaml',
      image: 'shop/worker',
      tag: '9',
      digest: DIGEST_NEW,
    });
    expect(digestOnly.changes.map((c) => [c.line, c.to])).toEqual([[10, DIGEST_NEW]]);
  });

  it('an entry matched by name does not match a newName pointing elsewhere', () => {
    expect(
      referencesFor(scan(kustomization, 'kustomization.yaml'), { name: 'x', image: 'placeholder' }),
    ).toEqual([]);
  });
});
