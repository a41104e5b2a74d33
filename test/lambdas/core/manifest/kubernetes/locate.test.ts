import { describe, expect, it } from 'vitest';
import { referencesFor } from '../../../../../lambdas/core/manifest/index.ts';
import { bump, scan } from '../helpers.ts';

const podSpec = (indent: string, image = 'shop/api:1.0.0') =>
  [`${indent}containers:`, `${indent}- name: app`, `${indent}  image: ${image}`].join('\n');

const workload = (apiVersion: string, kind: string, path: string[]) => {
  const lines = [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata:', '  name: x'];
  path.forEach((key, depth) => lines.push(`${'  '.repeat(depth)}${key}:`));
  return `${lines.join('\n')}\n${podSpec('  '.repeat(path.length))}\n`;
};

describe('kubernetes locator: pod specs wherever they are', () => {
  it.each([
    ['Deployment', workload('apps/v1', 'Deployment', ['spec', 'template', 'spec'])],
    ['StatefulSet', workload('apps/v1', 'StatefulSet', ['spec', 'template', 'spec'])],
    ['DaemonSet', workload('apps/v1', 'DaemonSet', ['spec', 'template', 'spec'])],
    ['ReplicaSet', workload('apps/v1', 'ReplicaSet', ['spec', 'template', 'spec'])],
    ['Job', workload('batch/v1', 'Job', ['spec', 'template', 'spec'])],
    ['CronJob', workload('batch/v1', 'CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec'])],
    ['Pod', workload('v1', 'Pod', ['spec'])],
    ['Argo Rollout', workload('argoproj.io/v1alpha1', 'Rollout', ['spec', 'template', 'spec'])],
    [
      'any CRD with the shape',
      workload('example.com/v1', 'Widget', ['spec', 'runner', 'podTemplate', 'spec']),
    ],
  ])('%s', (_kind, text) => {
    const references = scan(text, 'workload.yaml');
    expect(references).toHaveLength(1);
    expect(references[0]).toMatchObject({
      format: 'kubernetes',
      image: 'docker.io/shop/api',
      tag: '1.0.0',
      line: text.split('\n').findIndex((l) => l.includes('image:')) + 1,
    });
  });

  it('reads initContainers and ephemeralContainers too', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: x}
spec:
  initContainers:
    - name: init
      image: shop/migrate:3
  containers:
    - name: app
      image: shop/api:1.0.0
  ephemeralContainers:
    - name: debug
      image: busybox:1.36
`;
    expect(scan(text).map((r) => [r.line, r.image, r.tag])).toEqual([
      [7, 'docker.io/shop/migrate', '3'],
      [10, 'docker.io/shop/api', '1.0.0'],
      [13, 'docker.io/library/busybox', '1.36'],
    ]);
  });

  it.each([
    ['untagged', 'busybox', 'docker.io/library/busybox', undefined, undefined],
    ['Docker Hub official', 'docker.io/library/nginx:1.25', 'docker.io/library/nginx', '1.25', undefined],
    [
      'registry with port',
      'registry.local:5000/team/app:2.0',
      'registry.local:5000/team/app',
      '2.0',
      undefined,
    ],
    [
      'digest after tag',
      `ghcr.io/acme/api:1.2@sha256:${'c'.repeat(64)}`,
      'ghcr.io/acme/api',
      '1.2',
      `sha256:${'c'.repeat(64)}`,
    ],
    [
      'digest only',
      `nginx@sha256:${'c'.repeat(64)}`,
      'docker.io/library/nginx',
      undefined,
      `sha256:${'c'.repeat(64)}`,
    ],
  ])('%s image strings are read like a runtime reads them', (_name, image, canonical, tag, digest) => {
    const [reference] = scan(
      workload('apps/v1', 'Deployment', ['spec', 'template', 'spec']).replace('shop/api:1.0.0', image),
    );
    expect(reference).toMatchObject({ image: canonical });
    expect(reference?.tag).toBe(tag);
    expect(reference?.digest).toBe(digest);
  });

  it('follows flow style, aliases and merge keys', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: x}
x-base: &base
  image: shop/api:1.0.0
  imagePullPolicy: Always
spec:
  containers: [{name: a, image: "shop/worker:2"}]
  initContainers:
    - <<: *base
      name: init
`;
    expect(scan(text).map((r) => [r.line, r.image])).toEqual([
      [5, 'docker.io/shop/api'],
      [8, 'docker.io/shop/worker'],
    ]);
  });

  describe('does not match', () => {
    const deployment = (extra: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    image: shop/api:1.0.0
spec:
  template:
    spec:
      containers:
      - name: api
        image: shop/api:1.0.0
${extra}`;

    it('an image: key under metadata.annotations', () => {
      expect(scan(deployment('')).map((r) => r.line)).toEqual([12]);
    });

    it("an image: line inside a ConfigMap's data string", () => {
      const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  values.yaml: |
    image: shop/api:1.0.0
  image: shop/api:1.0.0
  containers: "- image: shop/api:1.0.0"
`;
      expect(scan(text)).toEqual([]);
      expect(bump(text, { image: 'shop/api', tag: '2.0.0' }).text).toBe(text);
    });

    it('a container of another repository whose name starts with the policy repository', () => {
      const text = deployment('      - name: gw\n        image: shop/api-gateway:1.0.0\n');
      const references = referencesFor(scan(text), { name: 'api', image: 'shop/api' });
      expect(references.map((r) => r.line)).toEqual([12]);
    });

    it('another image with the same tag', () => {
      const text = deployment('      - name: other\n        image: shop/web:1.0.0\n');
      expect(bump(text, { image: 'docker.io/shop/api', tag: '1.1.0' }).changes.map((c) => c.line)).toEqual([
        12,
      ]);
    });

    it('empty and templated image values', () => {
      const text = deployment(
        '      - name: t\n        image: "{{ .Values.image }}"\n      - name: e\n        image: ""\n',
      );
      expect(scan(text).map((r) => r.line)).toEqual([12]);
    });
  });
});
