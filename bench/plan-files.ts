/**
 * Planning over a large environment repository: 2,000 manifest files (Deployments, Helm values,
 * kustomizations, Services) and 50 policies, read from memory, so the figure is the core's own
 * work: listing, glob matching, parsing every selected file, locating references, deciding and
 * editing. Two cases: a policy whose `files` default selects every YAML file (the whole repo is
 * parsed), and a policy scoped to one app directory.
 */
import { parseConfig } from '../lambdas/config/load.ts';
import { planUpdates } from '../lambdas/core/plan/plan.ts';
import type { RepoFiles } from '../lambdas/ports/repo-files.ts';
import { REGISTRY } from './events.ts';

export interface PlanFigures {
  readonly files: number;
  readonly policies: number;
  /** A push whose policy selects every YAML file. */
  readonly wholeRepoMs: number;
  /** A push whose policy selects one app's directory. */
  readonly scopedMs: number;
  readonly changes: number;
}

const APPS = 500;

function generate(): { files: Record<string, string>; config: string } {
  const files: Record<string, string> = {};
  for (let a = 0; a < APPS; a++) {
    const image = `${REGISTRY}/fleet/svc-${a % 50}`;
    const dir = `apps/app-${a}`;
    files[`${dir}/deployment.yaml`] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${a}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ${image}:1.0.${a % 7}
        - name: sidecar
          image: docker.io/envoyproxy/envoy:v1.31.0
`;
    files[`${dir}/values.yaml`] = `replicaCount: 2
image:
  repository: ${image}
  tag: "1.0.${a % 7}"
resources:
  limits: { cpu: 500m, memory: 256Mi }
`;
    files[`${dir}/kustomization.yaml`] = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml, service.yaml]
images:
  - name: ${image}
    newTag: 1.0.${a % 7}
`;
    files[`${dir}/service.yaml`] = `apiVersion: v1
kind: Service
metadata:
  name: app-${a}
spec:
  ports:
    - port: 80
`;
  }
  const policies = Array.from({ length: 50 }, (_, i) =>
    i === 0
      ? `  - name: svc-${i}\n    image: ${REGISTRY}/fleet/svc-${i}`
      : `  - name: svc-${i}\n    image: ${REGISTRY}/fleet/svc-${i}\n    files: ["apps/app-${i}/**"]`,
  );
  return { files, config: `version: 1\npolicies:\n${policies.join('\n')}\n` };
}

export async function benchPlan(runs = 5): Promise<PlanFigures> {
  const { files, config: text } = generate();
  const loaded = parseConfig(text);
  if (!loaded.ok) throw new Error('plan bench: the generated config is invalid');
  const config = loaded.config;
  const repo: RepoFiles = {
    listFiles: async () => Object.keys(files),
    readFile: async (path) => files[path],
  };
  const time = async (image: string) => {
    const samples: number[] = [];
    let changes = 0;
    for (let i = 0; i < runs + 1; i++) {
      const start = performance.now();
      const plan = await planUpdates({ config, repo, pushes: [{ image, tag: '1.0.9' }] });
      const ms = performance.now() - start;
      changes = plan.units.reduce((n, u) => n + u.files.length, 0);
      if (i > 0) samples.push(ms);
    }
    samples.sort((a, b) => a - b);
    return { ms: Math.round(samples[Math.floor(samples.length / 2)]! * 10) / 10, changes };
  };
  const whole = await time(`${REGISTRY}/fleet/svc-0`);
  const scoped = await time(`${REGISTRY}/fleet/svc-7`);
  return {
    files: Object.keys(files).length,
    policies: config.policies.length,
    wholeRepoMs: whole.ms,
    scopedMs: scoped.ms,
    changes: whole.changes,
  };
}
