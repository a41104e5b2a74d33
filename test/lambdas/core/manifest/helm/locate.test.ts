import { describe, expect, it } from 'vitest';
import { referencesFor } from '../../../../../lambdas/core/manifest/index.ts';
import { DIGEST_OLD, bump, scan } from '../helpers.ts';

const summary = (text: string, file = 'values.yaml') =>
  scan(text, file).map((r) => ({
    line: r.line,
    format: r.format,
    image: r.image,
    tag: r.tag,
    digest: r.digest,
  }));

describe('helm locator: values files', () => {
  it.each([
    ['repository + tag', 'image:\n  repository: shop/api\n  tag: 1.0.0\n', 3, 'docker.io/shop/api', '1.0.0'],
    [
      'registry + repository + tag',
      'image:\n  registry: ghcr.io\n  repository: acme/api\n  tag: v2\n',
      4,
      'ghcr.io/acme/api',
      'v2',
    ],
    [
      'ingress-nginx: image + tag',
      'controller:\n  image:\n    registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: "v1.9.4"\n',
      5,
      'registry.k8s.io/ingress-nginx/controller',
      'v1.9.4',
    ],
    [
      'bitnami: version instead of tag',
      'coreImage:\n  repository: bitnami/harbor-core\n  version: 2.1.3\n',
      3,
      'docker.io/bitnami/harbor-core',
      '2.1.3',
    ],
    [
      'a map under any key, inside a list',
      'workers:\n  - name: w\n    runner: {repository: shop/worker, tag: "3"}\n',
      3,
      'docker.io/shop/worker',
      '3',
    ],
    ['plain image string', 'image: quay.io/org/app:1.2.3\n', 1, 'quay.io/org/app', '1.2.3'],
    [
      'string under a key ending in image',
      'sidecar:\n  proxyImage: envoyproxy/envoy:v1.29.0\n',
      2,
      'docker.io/envoyproxy/envoy',
      'v1.29.0',
    ],
  ])('%s', (_name, text, line, image, tag) => {
    expect(summary(text)).toEqual([{ line, format: 'helm', image, tag, digest: undefined }]);
  });

  it('reads digests in the tag and in a digest field; an empty digest field is no digest', () => {
    const text = `a:
  repository: shop/a
  tag: 1.0@${DIGEST_OLD}
b:
  repository: shop/b
  tag: 1.0
  digest: ${DIGEST_OLD}
c:
  repository: shop/c
  tag: 1.0
  digest: ""
`;
    expect(summary(text).map((r) => [r.image, r.tag, r.digest])).toEqual([
      ['docker.io/shop/a', '1.0', DIGEST_OLD],
      ['docker.io/shop/b', '1.0', DIGEST_OLD],
      ['docker.io/shop/c', '1.0', undefined],
    ]);
  });

  it('reports a repository without a tag field as found but not editable', () => {
    const [reference] = scan('image:\n  repository: shop/api\n  pullPolicy: Always\n');
    expect(reference).toMatchObject({ image: 'docker.io/shop/api', format: 'helm' });
    expect(reference?.problem).toMatch(/no tag field/);
    expect(bump('image:\n  repository: shop/api\n', { image: 'shop/api', tag: '2' }).skipped).toHaveLength(1);
  });

  it('fills an empty tag field', () => {
    const text = 'image:\n  repository: shop/api\n  tag: ""\n';
    expect(bump(text, { image: 'shop/api', tag: '2.0.0' }).text).toBe(
      'image:\n  repository: shop/api\n  tag: "2.0.0"\n',
    );
  });

  it('reads the values of a Flux HelmRelease and of Argo CD Applications, not their other fields', () => {
    const text = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: api
spec:
  chart:
    spec:
      chart: api
      version: 1.0.0
  values:
    image:
      repository: shop/api
      tag: 1.0.0
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
spec:
  source:
    helm:
      valuesObject:
        image: shop/api:1.0.0
      values: |
        image: shop/api:1.0.0
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: api
spec:
  template:
    spec:
      sources:
        - helm:
            valuesObject:
              api: {image: {repository: shop/api, tag: 1.0.0}}
`;
    expect(scan(text, 'apps.yaml').map((r) => [r.document, r.line, r.format])).toEqual([
      [0, 13, 'helm'],
      [1, 23, 'helm'],
      [2, 37, 'helm'],
    ]);
  });

  describe('does not match', () => {
    it('untagged strings, non-image keys, and maps whose repository is not an image', () => {
      const text = `image: shop/api
description: shop/api:1.0.0
dependencies:
  - name: redis
    repository: https://charts.bitnami.com/bitnami
    version: 17.0.0
  - name: pg
    repository: oci://registry-1.docker.io/bitnamicharts
    version: 12.0.0
`;
      expect(scan(text)).toEqual([]);
    });

    it('image: keys in a Kubernetes manifest outside pod specs (they are not values)', () => {
      const text =
        'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: p}\nspec:\n  image: quay.io/prometheus/prometheus:v2.50.0\n';
      expect(scan(text)).toEqual([]);
    });

    it('a repository that is a prefix of another', () => {
      const text =
        'api:\n  repository: shop/api\n  tag: "1"\ngateway:\n  repository: shop/api-gateway\n  tag: "1"\n';
      expect(referencesFor(scan(text), { name: 'api', image: 'shop/api' }).map((r) => r.line)).toEqual([3]);
    });
  });
});
