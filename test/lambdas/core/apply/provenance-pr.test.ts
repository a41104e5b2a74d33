/**
 * The Provenance section through the real GitHub adapter (Octokit over HTTP) against the GitHub
 * test server, the labels read by the production provenance reader from an in-memory registry:
 * what the PR says, what GitHub refusing or failing does, and what it costs.
 */
import { describe, expect, it } from 'vitest';
import { provenanceReader } from '../../../../lambdas/adapters/provenance/provenance-reader.ts';
import { readPrState } from '../../../../lambdas/core/apply/pr-state.ts';
import { ImageReadError } from '../../../../lambdas/ports/image-reader.ts';
import { deployment, ECR, githubEnvPerTest, OWNER, push, REPO } from '../../../support/github-env.ts';
import { labelledImage, OCI_LABELS } from '../../../support/labelled-image.ts';
import { MemoryImageReader } from '../../../support/memory-image-reader.ts';

const API = `${ECR}/shop/api`;
const REV_OLD = '0123456789abcdef0123456789abcdef01234567';
const REV_NEW = 'fedcba9876543210fedcba9876543210fedcba98';
const githubEnv = githubEnvPerTest();

const image = (revision: string, version: string) =>
  labelledImage({
    labels: {
      [OCI_LABELS.source]: 'https://github.com/acme/api',
      [OCI_LABELS.revision]: revision,
      [OCI_LABELS.version]: version,
    },
  });

/** A registry answering after `ms`, as a real one across a network does. */
class SlowImageReader extends MemoryImageReader {
  constructor(private readonly ms: number) {
    super();
  }
  override async manifest(image: string, reference: string) {
    await new Promise((r) => setTimeout(r, this.ms));
    return super.manifest(image, reference);
  }
  override async blob(image: string, digest: string, maxBytes: number) {
    await new Promise((r) => setTimeout(r, this.ms));
    return super.blob(image, digest, maxBytes);
  }
}

async function setup(options: { pinned?: boolean; latencyMs?: number; registryMs?: number } = {}) {
  const old = image(REV_OLD, '1.4.0');
  const next = image(REV_NEW, '1.5.0');
  const reader = new SlowImageReader(options.registryMs ?? 0);
  reader.put('1.4.0', old);
  reader.put('1.5.0', next);
  const env = await githubEnv(
    {
      '.image-updater.yaml': `version: 1\npolicies:\n  - {name: api, image: ${API}, pin: tag+digest}\n`,
      'apps/api.yaml': deployment(`${API}:1.4.0${options.pinned === false ? '' : `@${old.manifest.digest}`}`),
    },
    { server: { latencyMs: options.latencyMs ?? 0 } },
  );
  env.server.createRepo(OWNER, 'api', {});
  const warnings: Record<string, unknown>[] = [];
  const provenance = provenanceReader({
    reader,
    log: { warn: (message, ...a) => warnings.push({ message, ...a[0] }) },
  });
  const pushNew = () => push(API, '1.5.0', { digest: next.manifest.digest });
  return { env, reader, provenance, warnings, pushNew, next };
}

const bodyOf = (env: Awaited<ReturnType<typeof setup>>['env']) =>
  env.server.listPulls(OWNER, REPO, { state: 'open' })[0]!.body ?? '';

describe('a PR with provenance, against the GitHub test server', () => {
  it('opens with the compare view and the release notes; costs one registry read per image part and one release read per tag tried', async () => {
    const { env, reader, provenance, pushNew } = await setup();
    env.server.createRelease(OWNER, 'api', { tag: 'v1.5.0', body: '## What changed\n- faster' });
    const report = await env.apply([pushNew()], { apply: { provenance } });
    expect(report.units[0]).toMatchObject({ action: 'opened' });
    const body = bodyOf(env);
    expect(body).toContain(`(https://github.com/acme/api/compare/${REV_OLD}...${REV_NEW})`);
    expect(body).toContain('```text\n## What changed\n- faster\n```');
    expect(readPrState(body)?.policies.api?.tag).toBe('1.5.0');
    // New and old image: manifest + config each; the release: `1.5.0` (404) and `v1.5.0`, at once.
    expect(reader.requests).toBe(4);
    expect(env.server.requestCount({ operationId: 'repos/get-release-by-tag' })).toBe(2);
  });

  it('the old image is read at its tag when the base branch pins no digest', async () => {
    const { env, reader, provenance, pushNew } = await setup({ pinned: false });
    await env.apply([pushNew()], { apply: { provenance } });
    expect(bodyOf(env)).toContain(`/compare/${REV_OLD}...${REV_NEW}`);
    expect(reader.requests).toBe(4);
  });

  it.each([
    ['403 (the App cannot see the source repository)', 403],
    ['a 500 (not retried: the PR does not wait for notes)', 500],
  ])('GitHub answering the release read with %s: the PR opens without notes', async (_name, status) => {
    const { env, provenance, pushNew } = await setup();
    env.server.createRelease(OWNER, 'api', { tag: '1.5.0', body: 'notes' });
    env.server.addFault({
      match: { operationId: 'repos/get-release-by-tag' },
      times: 5,
      respond: { status },
    });
    const report = await env.apply([pushNew()], { apply: { provenance } });
    expect(report.units[0]).toMatchObject({ action: 'opened' });
    expect(bodyOf(env)).toContain('/compare/');
    expect(bodyOf(env)).not.toContain('Release notes');
    expect(env.server.requestCount({ operationId: 'repos/get-release-by-tag' })).toBe(2);
  });

  it('a registry that cannot be read: the PR opens as it would without provenance, and the log says why', async () => {
    const { env, reader, provenance, warnings, pushNew } = await setup();
    reader.manifest = async () => {
      throw new ImageReadError('IMAGE_READ_UNAVAILABLE', 'registry answered 503', { retryable: true });
    };
    const report = await env.apply([pushNew()], { apply: { provenance } });
    expect(report.units[0]).toMatchObject({ action: 'opened' });
    expect(bodyOf(env)).not.toContain('Provenance');
    expect(warnings[0]).toMatchObject({ errorCode: 'IMAGE_READ_UNAVAILABLE' });
  });

  it('adds no GitHub round trip and no write to push → PR; a newer tag keeps the section, reading only the new image', async () => {
    // Round trips are told apart by time: GitHub answers after 100 ms, the registry after 50 ms:
    // provenance's 2 registry round trips and 1 release read overlap tree → commit → ref.
    // A warm instance has the provenance chunks loaded already.
    await Promise.all([
      import('../../../../lambdas/core/apply/provenance-section.ts'),
      import('../../../../lambdas/adapters/provenance/image-labels.ts'),
    ]);
    const plain = await setup({ latencyMs: 100, registryMs: 50 });
    let started = performance.now();
    await plain.env.apply([plain.pushNew()]);
    const plainMs = performance.now() - started;
    const without = { requests: plain.env.server.requestCount(), rounds: plain.env.server.roundTrips() };
    const withIt = await setup({ latencyMs: 100, registryMs: 50 });
    started = performance.now();
    await withIt.env.apply([withIt.pushNew()], { apply: { provenance: withIt.provenance } });
    console.info(
      `push → PR (GitHub 100 ms, registry 50 ms): ${Math.round(plainMs)} ms without provenance, ${Math.round(performance.now() - started)} ms with it; ${withIt.env.server.roundTrips()} GitHub round trips`,
    );
    const releaseReads = withIt.env.server.requestCount({ operationId: 'repos/get-release-by-tag' });
    expect(withIt.env.server.writeCount()).toBe(plain.env.server.writeCount());
    expect(withIt.env.server.requestCount()).toBe(without.requests + releaseReads);
    expect(withIt.env.server.roundTrips()).toBeLessThanOrEqual(without.rounds);

    const newer = image('abcdefabcdefabcdefabcdefabcdefabcdefabcd', '1.6.0');
    withIt.reader.put('1.6.0', newer);
    const before = withIt.reader.requests;
    await withIt.env.apply([push(API, '1.6.0', { digest: newer.manifest.digest })], {
      apply: { provenance: withIt.provenance },
    });
    expect(bodyOf(withIt.env)).toContain('/compare/');
    expect(readPrState(bodyOf(withIt.env))?.policies.api?.tag).toBe('1.6.0');
    // The base branch still pins 1.4.0's digest (cached): only 1.6.0's manifest and config are read.
    expect(withIt.reader.requests - before).toBe(2);
  });
});
