import { describe, expect, it } from 'vitest';
import { DIGEST_NEW, DIGEST_OLD, bump, scan } from '../helpers.ts';

const application = (source: string, kind = 'Application') => `apiVersion: argoproj.io/v1alpha1
kind: ${kind}
metadata:
  name: api
spec:
${source}`;

describe('argocd locator: kustomize.images strings', () => {
  const text = application(`  source:
    kustomize:
      images:
        - shop/api:1.0.0
        - placeholder=ghcr.io/acme/web:2.0
        - "shop/worker@${DIGEST_OLD}"
        - shop/renamed=shop/elsewhere
`);

  it('reads name:tag, old=new:tag and @digest forms; a rename alone is not a reference', () => {
    expect(scan(text, 'app.yaml').map((r) => [r.line, r.format, r.image, r.tag, r.digest])).toEqual([
      [9, 'argocd', 'docker.io/shop/api', '1.0.0', undefined],
      [10, 'argocd', 'ghcr.io/acme/web', '2.0', undefined],
      [11, 'argocd', 'docker.io/shop/worker', undefined, DIGEST_OLD],
    ]);
  });

  it('edits only the tag after old=', () => {
    const result = bump(text, { file: 'app.yaml', image: 'ghcr.io/acme/web', tag: '2.1' });
    expect(result.text).toBe(
      text.replace('placeholder=ghcr.io/acme/web:2.0', 'placeholder=ghcr.io/acme/web:2.1'),
    );
  });

  it('reads every source of sources and of an ApplicationSet template', () => {
    const set = application(
      `  template:
    spec:
      sources:
        - kustomize:
            images: [shop/api:1.0.0]
        - kustomize:
            images: ["shop/api:1.0.0"]
`,
      'ApplicationSet',
    );
    expect(scan(set, 'set.yaml').map((r) => r.line)).toEqual([10, 12]);
  });
});

describe('argocd locator: helm parameters', () => {
  const text = application(`  source:
    helm:
      parameters:
        - name: controller.image.repository
          value: ghcr.io/acme/controller
        - name: controller.image.tag
          value: "1.4.0"
        - name: image.registry
          value: quay.io
        - name: image.repository
          value: acme/api
        - name: image.tag
          value: 2.0.0
        - name: image.digest
          value: ${DIGEST_OLD}
        - name: sidecar.image.tag
          value: v3
        - name: replicaCount
          value: "2"
`);

  it('pairs *image.tag with the *image.repository (and registry, digest) of the same prefix', () => {
    expect(scan(text, 'app.yaml').map((r) => [r.line, r.image, r.tag, r.digest, r.problem])).toEqual([
      [12, 'ghcr.io/acme/controller', '1.4.0', undefined, undefined],
      [18, 'quay.io/acme/api', '2.0.0', DIGEST_OLD, undefined],
      [
        22,
        undefined,
        'v3',
        undefined,
        'no sidecar.image.repository parameter beside sidecar.image.tag, so the image it tags is unknown',
      ],
    ]);
  });

  it('bumps the tag value and the digest parameter together', () => {
    const result = bump(text, {
      file: 'app.yaml',
      image: 'quay.io/acme/api',
      tag: '2.1.0',
      digest: DIGEST_NEW,
    });
    expect(result.changes.map((c) => [c.line, c.to])).toEqual([
      [18, '2.1.0'],
      [20, DIGEST_NEW],
    ]);
  });
});
