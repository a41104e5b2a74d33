/**
 * The burst's environment repository and its events: 100 images in 10 groups of 10, one semver
 * policy per image (`>=1.0.0 <2.0.0`, grouped, so each group has one branch and one PR), the
 * references spread over Kubernetes Deployments, Helm values and kustomizations, plus files that
 * reference nothing. Each image gets 10 pushes in this order, as CI pipelines produce them:
 *
 *   1.0.1  sha-<hex>  1.0.2  latest  1.1.0-rc.1  1.0.3  2.0.0  1.1.0  sha256-<digest>.sig  1.0.4
 *
 * so the greatest allowed tag is `1.1.0`: not the last push (`1.0.4`, a late patch of the old
 * line), not the out-of-range `2.0.0`, not the pre-release, and never a referrer or a branch tag.
 */
import { REGISTRY } from './events.ts';

/** The repository both bursts (the updater's and the naive script's) write to. */
export const OWNER = 'acme';
export const REPO = 'platform-env';

const GROUPS = 10;
const IMAGES_PER_GROUP = 10;
const START_TAG = '1.0.0';
export const EXPECTED_TAG = '1.1.0';

export interface BurstImage {
  readonly group: string;
  readonly policy: string;
  /** ECR repository name. */
  readonly repository: string;
  readonly image: string;
  /** The file that references it. */
  readonly file: string;
  readonly kind: 'deployment' | 'helm' | 'kustomize';
}

export function burstImages(): BurstImage[] {
  const images: BurstImage[] = [];
  for (let g = 0; g < GROUPS; g++) {
    for (let i = 0; i < IMAGES_PER_GROUP; i++) {
      const group = `team-${g}`;
      const name = `svc-${g}-${i}`;
      const kind = (['deployment', 'deployment', 'helm', 'kustomize'] as const)[i % 4]!;
      const file =
        kind === 'deployment'
          ? `teams/${group}/${name}/deployment.yaml`
          : kind === 'helm'
            ? `teams/${group}/${name}/values.yaml`
            : `teams/${group}/${name}/kustomization.yaml`;
      images.push({
        group,
        policy: name,
        repository: `${group}/${name}`,
        image: `${REGISTRY}/${group}/${name}`,
        file,
        kind,
      });
    }
  }
  return images;
}

function burstConfig(images: readonly BurstImage[]): string {
  const policies = images.map(
    (m) => `  - name: ${m.policy}
    image: ${m.image}
    range: ">=1.0.0 <2.0.0"
    files: ["teams/${m.group}/${m.policy}/**"]
    group: ${m.group}`,
  );
  return `version: 1
defaults:
  labels: [image-update]
  reviewers: [acme/platform]
policies:
${policies.join('\n')}
`;
}

function referenceFile(m: BurstImage, tag: string): string {
  switch (m.kind) {
    case 'deployment':
      return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${m.policy}
  labels: { app: ${m.policy}, team: ${m.group} }
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${m.policy} }
  template:
    metadata:
      labels: { app: ${m.policy} }
    spec:
      initContainers:
        - name: migrate
          image: ${m.image}:${tag}
          args: ["migrate"]
      containers:
        - name: app
          image: ${m.image}:${tag}
          ports:
            - containerPort: 8080
          resources:
            limits: { cpu: 500m, memory: 256Mi }
        - name: proxy
          image: docker.io/envoyproxy/envoy:v1.31.0
`;
    case 'helm':
      return `# Helm values for ${m.policy}
replicaCount: 2
image:
  repository: ${m.image}
  tag: "${tag}"
  pullPolicy: IfNotPresent
service:
  port: 8080
`;
    case 'kustomize':
      return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../base/${m.policy}
images:
  - name: ${m.image}
    newTag: ${tag}
`;
  }
}

/** The repository at the start: every reference at `1.0.0`, and unrelated files around them. */
export function burstRepoFiles(images: readonly BurstImage[]): Record<string, string> {
  const files: Record<string, string> = {
    '.image-updater.yaml': burstConfig(images),
    'README.md': '# platform environments\n',
  };
  for (const m of images) {
    files[m.file] = referenceFile(m, START_TAG);
    files[`teams/${m.group}/${m.policy}/service.yaml`] = `apiVersion: v1
kind: Service
metadata:
  name: ${m.policy}
spec:
  selector: { app: ${m.policy} }
  ports:
    - port: 80
      targetPort: 8080
`;
    files[`base/${m.policy}/configmap.yaml`] = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${m.policy}
data:
  LOG_LEVEL: info
`;
  }
  return files;
}

/** The tag the reference in `text` carries (for verification). */
export function referencedTag(m: BurstImage, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (m.kind === 'helm') return /\n {2}tag: "([^"]+)"/.exec(text)?.[1];
  if (m.kind === 'kustomize') return /newTag: (\S+)/.exec(text)?.[1];
  const tags = [...text.matchAll(new RegExp(`${m.image.replace(/[.]/g, '\\.')}:(\\S+)`, 'g'))].map(
    (x) => x[1],
  );
  return tags.every((t) => t === tags[0]) ? tags[0] : `mixed(${tags.join(',')})`;
}

export function pushSequence(index: number): string[] {
  const hex = (index * 2_654_435_761).toString(16).padStart(8, '0').slice(-7);
  return [
    '1.0.1',
    `sha-${hex}`,
    '1.0.2',
    'latest',
    '1.1.0-rc.1',
    '1.0.3',
    '2.0.0',
    '1.1.0',
    `sha256-${hex.repeat(10).slice(0, 64)}.sig`,
    '1.0.4',
  ];
}
