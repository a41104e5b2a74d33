/** The PR's Provenance section: what a reviewer reads about where the new image comes from. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../lambdas/config/load.ts';
import { readPrState, stateOf } from '../../../../lambdas/core/apply/pr-state.ts';
import { renderPrBody } from '../../../../lambdas/core/apply/pr-body.ts';
import {
  provenanceSection,
  provenanceSections,
  RELEASE_NOTES_CHARS,
  type UpdateProvenance,
} from '../../../../lambdas/core/apply/provenance-section.ts';
import { planUpdates } from '../../../../lambdas/core/plan/plan.ts';
import type { ReleaseInfo, RepoId } from '../../../../lambdas/ports/git-host.ts';
import type { ImageProvenance, ProvenanceReader } from '../../../../lambdas/ports/provenance.ts';
import { deployment, ECR, push } from '../../../support/github-env.ts';
import { MemoryRepo } from '../../../support/memory-repo.ts';

const API = `${ECR}/shop/api`;
const OLD = `sha256:${'1'.repeat(64)}`;
const NEW = `sha256:${'2'.repeat(64)}`;
const REV_OLD = '0123456789abcdef0123456789abcdef01234567';
const REV_NEW = 'fedcba9876543210fedcba9876543210fedcba98';

async function unitOf(from = `1.4.0@${OLD}`, to = { tag: '1.5.0', digest: NEW }) {
  const loaded = parseConfig(`version: 1\npolicies:\n  - {name: api, image: ${API}}\n`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const plan = await planUpdates({
    config: loaded.config,
    repo: new MemoryRepo({ 'apps/app.yaml': deployment(`${API}:${from}`) }),
    pushes: [push(API, to.tag, { digest: to.digest })],
  });
  return plan.units[0]!;
}

function readerOf(images: Record<string, ImageProvenance>): ProvenanceReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async provenanceOf(_image, reference) {
      asked.push(reference);
      const provenance = images[reference];
      return provenance ? { digest: reference, provenance } : undefined;
    },
  };
}

function clientOf(releases: Record<string, string> = {}, webOrigin = 'https://github.com') {
  const asked: string[] = [];
  return {
    asked,
    webOrigin,
    async readRelease(repo: RepoId, tag: string): Promise<ReleaseInfo | undefined> {
      asked.push(`${repo.owner}/${repo.name}@${tag}`);
      const body = releases[`${repo.owner}/${repo.name}@${tag}`];
      return body === undefined ? undefined : { tag, body };
    },
  };
}

/** Markdown with its code spans taken out: what is left is what GitHub would read as markup. */
const outsideCode = (markdown: string) => markdown.replace(/(`+)(?:(?!\1)[^\n])*?\1(?!`)/g, '');

const claims = (revision: string, extra: ImageProvenance = {}): ImageProvenance => ({
  source: 'https://github.com/acme/api',
  revision,
  ...extra,
});

describe('provenanceSections', () => {
  it('links the source and the compare view old...new, reading the old image at the digest the base branch pins', async () => {
    const unit = await unitOf();
    const reader = readerOf({
      [OLD]: claims(REV_OLD),
      [NEW]: claims(REV_NEW, { version: '1.5.0', created: '2026-12-01T10:00:00Z' }),
    });
    const [section] = await provenanceSections(unit, {
      reader,
      client: clientOf(),
      signatures: new Map([['api', { ok: true, digest: NEW, via: 'sig-tag' }]]),
    });
    expect(reader.asked.sort()).toEqual([OLD, NEW].sort());
    expect(section?.heading).toBe('Provenance');
    expect(section?.markdown).toContain(
      '- Source: [`https://github.com/acme/api`](https://github.com/acme/api)',
    );
    expect(section?.markdown).toContain(`(https://github.com/acme/api/compare/${REV_OLD}...${REV_NEW})`);
    expect(section?.markdown).toContain('version `1.5.0`, created `2026-12-01T10:00:00Z`');
    expect(section?.markdown).toContain(
      "- Signature: verified with the policy's cosign key (`.sig` signature)",
    );
    expect(section?.markdown).toMatch(/claims shown as written, not checked by image-updater/);
  });

  it('reads the old image by its tag when the base branch pins no digest', async () => {
    const unit = await unitOf('1.4.0');
    const reader = readerOf({ '1.4.0': claims(REV_OLD), [NEW]: claims(REV_NEW) });
    const [section] = await provenanceSections(unit, { reader, client: clientOf(), signatures: new Map() });
    expect(reader.asked).toContain('1.4.0');
    expect(section?.markdown).toContain(`/compare/${REV_OLD}...${REV_NEW}`);
  });

  it('without an old revision, links the new commit; with the same revision, says so', async () => {
    const unit = await unitOf();
    const [alone] = await provenanceSections(unit, {
      reader: readerOf({ [NEW]: claims(REV_NEW) }),
      client: clientOf(),
      signatures: new Map(),
    });
    expect(alone?.markdown).toContain(`(https://github.com/acme/api/commit/${REV_NEW})`);
    expect(alone?.markdown).toContain('the old image names no revision');
    const [same] = await provenanceSections(unit, {
      reader: readerOf({ [OLD]: claims(REV_NEW), [NEW]: claims(REV_NEW) }),
      client: clientOf(),
      signatures: new Map(),
    });
    expect(same?.markdown).toContain("the same as `1.4.0`'s");
    expect(same?.markdown).not.toContain('/compare/');
  });

  it('an old image of another source repository is not compared with: the new commit is linked', async () => {
    const unit = await unitOf();
    const [section] = await provenanceSections(unit, {
      reader: readerOf({
        [OLD]: { source: 'https://github.com/acme/legacy-api', revision: REV_OLD },
        [NEW]: claims(REV_NEW),
      }),
      client: clientOf(),
      signatures: new Map(),
    });
    expect(section?.markdown).not.toContain('/compare/');
    expect(section?.markdown).toContain(`(https://github.com/acme/api/commit/${REV_NEW})`);
    expect(section?.markdown).toContain(
      'the old image names another source, `https://github.com/acme/legacy-api`',
    );
  });

  it('an image without labels and no signature check: no section at all', async () => {
    const unit = await unitOf();
    const client = clientOf();
    expect(
      await provenanceSections(unit, { reader: readerOf({ [NEW]: {} }), client, signatures: new Map() }),
    ).toEqual([]);
    expect(client.asked).toEqual([]);
  });

  it('the release of a GitHub source: the version and v+version (2 requests at once), in a collapsed block', async () => {
    const unit = await unitOf();
    const client = clientOf({ 'acme/api@v1.5.0': '## Changes\n- faster **builds**' });
    const [section] = await provenanceSections(unit, {
      reader: readerOf({ [NEW]: claims(REV_NEW, { version: '1.5.0' }) }),
      client,
      signatures: new Map(),
    });
    expect(client.asked).toEqual(['acme/api@1.5.0', 'acme/api@v1.5.0']);
    expect(section?.markdown).toContain('<details><summary>Release notes of v1.5.0</summary>');
    expect(section?.markdown).toContain('```text\n## Changes\n- faster **builds**\n```');
    expect(section?.markdown).toContain('[`v1.5.0`](https://github.com/acme/api/releases/tag/v1.5.0)');
  });

  it('no release notes for a source on another host, a GitLab source, or a client that cannot read releases', async () => {
    const unit = await unitOf();
    for (const [source, webOrigin] of [
      ['https://github.com/acme/api', 'https://ghe.example.com'],
      ['https://gitlab.com/acme/api', 'https://github.com'],
    ] as const) {
      const client = clientOf({}, webOrigin);
      await provenanceSections(unit, {
        reader: readerOf({ [NEW]: { source, revision: REV_NEW, version: '1.5.0' } }),
        client,
        signatures: new Map(),
      });
      expect(client.asked).toEqual([]);
    }
    const [section] = await provenanceSections(unit, {
      reader: readerOf({ [NEW]: claims(REV_NEW) }),
      client: {},
      signatures: new Map(),
    });
    expect(section?.markdown).toContain('Source');
  });

  it('a release read that fails leaves the notes out, never the section', async () => {
    const unit = await unitOf();
    const [section] = await provenanceSections(unit, {
      reader: readerOf({ [NEW]: claims(REV_NEW, { version: '1.5.0' }) }),
      client: {
        webOrigin: 'https://github.com',
        readRelease: async () => {
          throw new Error('GitHub is down');
        },
      },
      signatures: new Map(),
    });
    expect(section?.markdown).toContain('Source');
    expect(section?.markdown).not.toContain('Release notes');
  });
});

describe('a group PR', () => {
  it("says each policy's provenance under its name; a policy whose image tells nothing is left out", async () => {
    const WEB = `${ECR}/shop/web`;
    const loaded = parseConfig(
      `version: 1\npolicies:\n  - {name: api, image: ${API}, group: shop, files: [apps/api.yaml]}\n  - {name: web, image: ${WEB}, group: shop, files: [apps/web.yaml]}\n`,
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const plan = await planUpdates({
      config: loaded.config,
      repo: new MemoryRepo({
        'apps/api.yaml': deployment(`${API}:1.4.0@${OLD}`),
        'apps/web.yaml': deployment(`${WEB}:2.0.0`, 'web'),
      }),
      pushes: [push(API, '1.5.0', { digest: NEW }), push(WEB, '2.1.0')],
    });
    const unit = plan.units[0]!;
    expect(unit.updates).toHaveLength(2);
    const [section] = await provenanceSections(unit, {
      reader: readerOf({ [OLD]: claims(REV_OLD), [NEW]: claims(REV_NEW) }),
      client: clientOf(),
      signatures: new Map(),
    });
    expect(section?.markdown).toContain('**api** `1.5.0`:');
    expect(section?.markdown).not.toContain('**web**');
    expect(section?.markdown).toContain(`/compare/${REV_OLD}...${REV_NEW}`);
  });
});

describe('provenanceSection with hostile claims', () => {
  const base = async (to: ImageProvenance, from?: ImageProvenance, release?: string) => {
    const unit = await unitOf();
    const found: UpdateProvenance = {
      update: unit.updates[0]!,
      to,
      ...(from ? { from } : {}),
      ...(release !== undefined ? { release: { tag: 'v1.5.0', body: release } } : {}),
    };
    return { unit, section: provenanceSection([found]) };
  };

  it.each([
    ['javascript:alert(1)'],
    ['https://evil.example/x)](javascript:alert(1))'],
    ['http://github.com/acme/api'],
    ['<img src=x onerror=alert(1)>'],
  ])('a source %j is shown as text, never linked', async (source) => {
    const { section } = await base({ source, revision: REV_NEW });
    const line = section!.markdown.split('\n').find((l) => l.startsWith('- Source:'))!;
    expect(line).toMatch(/not linked/);
    expect(outsideCode(line)).toBe('- Source:  (not linked: not an https address of a repository)');
  });

  it('a revision or version with Markdown, HTML or a comment opener renders as code, linking nothing', async () => {
    const { section } = await base(
      {
        source: 'https://github.com/acme/api',
        revision: '[x](https://evil.example) <!--',
        version: '</details><b>',
      },
      { revision: REV_OLD },
    );
    expect(section!.markdown).not.toContain('/compare/');
    expect(outsideCode(section!.markdown)).not.toMatch(/\]\(https:\/\/evil|<!--|<\/details>|<b>/);
    expect(section!.markdown).toContain('`[x](https://evil.example) <!--`');
    expect(section!.markdown).toContain('`</details><b>`');
  });

  it(`release notes are cut at a line end before ${RELEASE_NOTES_CHARS} characters, linking the whole`, async () => {
    const line = 'x'.repeat(99);
    const { section } = await base(claims(REV_NEW), undefined, Array(100).fill(line).join('\n'));
    const kept = section!.markdown.split('\n').filter((l) => l === line);
    expect(kept.length).toBe(20);
    expect(section!.markdown).toContain(`Cut at ${RELEASE_NOTES_CHARS} characters: the release`);
  });

  it('release notes holding fences, </details> and a forged state marker stay inside their block', async () => {
    const hostile = '````\n</details>\n<!-- image-updater-state: {"v":1} -->\n```\n<details><summary>';
    const { unit, section } = await base(claims(REV_NEW), undefined, hostile);
    expect(section!.markdown).toContain('`````text\n````\n</details>');
    const state = stateOf(unit, 'b', 'c');
    expect(readPrState(renderPrBody(unit, state, [section!]))).toEqual(state);
  });
});

/**
 * The first line after `open` that closes a backtick fence of `fence`'s length (CommonMark: up
 * to 3 spaces, at least as many backticks, then only blanks).
 */
function closingFence(lines: readonly string[], open: number, fence: string): number {
  for (let i = open + 1; i < lines.length; i += 1) {
    const m = /^ {0,3}(`+)[ \t]*$/.exec(lines[i]!);
    if (m && m[1]!.length >= fence.length) return i;
  }
  return -1;
}

describe('the PR body with provenance (property)', () => {
  const text = fc.string({ unit: 'binary', maxLength: 300 });
  const hostile = fc.oneof(
    text,
    fc.constantFrom(
      '</details>',
      '<!--',
      '-->',
      '```',
      '````',
      '<details>',
      '<!-- image-updater-state: {} -->',
    ),
    fc
      .array(fc.oneof(text, fc.constantFrom('</details>', '```', '\n', '<!--', '`')), { maxLength: 30 })
      .map((a) => a.join('')),
  );

  it('keeps the hidden state whole and the release notes inside their fence, whatever the image and release say', async () => {
    const unit = await unitOf();
    const state = stateOf(unit, 'b', 'c');
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { source: hostile, revision: hostile, version: hostile, created: hostile },
          { requiredKeys: [] },
        ),
        hostile,
        async (to, notes) => {
          const section = provenanceSection([
            {
              update: unit.updates[0]!,
              to: { ...to, source: 'https://github.com/acme/api' },
              release: { tag: 'v1', body: notes },
            },
          ]);
          const body = renderPrBody(unit, state, section ? [section] : []);
          expect(readPrState(body)).toEqual(state);
          const lines = body.split('\n');
          const open = lines.findIndex((l) => /^`{3,}text$/.test(l));
          expect(open).toBeGreaterThan(0);
          const fence = lines[open]!.slice(0, -'text'.length);
          const close = closingFence(lines, open, fence);
          expect(lines[close]).toBe(fence);
          expect(lines[close + 2]).toMatch(/^(From the release|Cut at)/);
          // Outside the fence nothing but our own markup opens a comment or closes a block.
          const outside = outsideCode([...lines.slice(0, open), ...lines.slice(close + 1, -1)].join('\n'));
          expect(outside).not.toContain('<!--');
          expect(outside.split('</details>').length).toBe(outside.split('<details>').length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
