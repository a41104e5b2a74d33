/**
 * `strategy: digest` on a registry other than ECR: the OCI tag list has names only, so the
 * tracked tag's digest comes from the push event. Real CNCF Distribution registry and skopeo.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciSession } from '../../lambdas/adapters/registry/oci-session.ts';
import { OciTagLister } from '../../lambdas/adapters/registry/oci-tag-lister.ts';
import { parseConfig } from '../../lambdas/config/load.ts';
import { planUpdates } from '../../lambdas/core/plan/plan.ts';
import {
  freePort,
  MISSING_BINARIES,
  skopeoCopy,
  startRegistry,
  type RunningRegistry,
} from '../support/distribution-registry.ts';
import { MemoryRepo } from '../support/memory-repo.ts';
import { writeOciLayout } from '../support/oci-layout.ts';

describe.skipIf(MISSING_BINARIES.length > 0)('digest strategy on a Distribution registry', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ port: await freePort() });
  });
  afterAll(async () => registry?.stop());

  it('a push of the tracked tag with a new digest proposes that digest', async () => {
    const image = `${registry.host}/shop/api`;
    const layout = writeOciLayout(mkdtempSync(join(tmpdir(), 'iu-layout-')), ['one', 'two']);
    await skopeoCopy(layout.dir, 'one', image, 'main');
    const digestOf = async () =>
      (
        await fetch(`http://${registry.host}/v2/shop/api/manifests/main`, {
          method: 'HEAD',
          headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
        })
      ).headers.get('docker-content-digest')!;
    const first = await digestOf();
    await skopeoCopy(layout.dir, 'two', image, 'main');
    const second = await digestOf();
    expect(second).not.toBe(first);

    const parsed = parseConfig(
      `version: 1\npolicies:\n  - {name: api, image: "${image}", strategy: digest, track: main}\n`,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const lister = new OciTagLister({ session: new OciSession() });
    // What the worker does for a digest policy: the pushed tag, plus the registry's tag list.
    const plan = await planUpdates({
      config: parsed.config,
      repo: new MemoryRepo({ 'a.yaml': `image: ${image}:main@${first}\n` }),
      pushes: [{ image, tag: 'main', digest: second, pushedAt: new Date() }],
      tagLists: new Map([[image, await lister.listTags(image)]]),
      now: new Date(),
    });
    expect(plan.decisions.map((d) => [d.outcome, d.to?.digest])).toEqual([['update', second]]);
  });
});
