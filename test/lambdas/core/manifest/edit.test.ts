import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { editManifest, scanManifest } from '../../../../lambdas/core/manifest/index.ts';
import { verifyEdit } from '../../../../lambdas/core/manifest/verify.ts';
import { parseYaml } from '../../../../lambdas/core/manifest/source.ts';
import { DIGEST_NEW, DIGEST_OLD, bump, changedLines, scan } from './helpers.ts';

const container = (image: string) => `apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  containers:
    - name: app
      image: ${image}
`;

describe('editManifest: quoting', () => {
  it.each([
    '1.10',
    '10',
    '1e3',
    '0x1F',
    '0755',
    '1_000',
    'on',
    'yes',
    'y',
    'no',
    'True',
    'null',
    'NULL',
    '2024-01-15',
    '0o17',
  ])('a tag YAML would read as something else (%s) is quoted in a plain field', (tag) => {
    const text = 'image:\n  repository: shop/api\n  tag: v1\n';
    const result = bump(text, { image: 'shop/api', tag });
    expect(result.text).toBe(`image:\n  repository: shop/api\n  tag: "${tag}"\n`);
    for (const schema of ['core', 'yaml-1.1'] as const) {
      const [doc] = parseAllDocuments(result.text, { schema });
      expect(doc?.getIn(['image', 'tag'])).toBe(tag);
    }
  });

  it.each(['1.2.3', 'v2', 'latest', '2026.02.01', '1.10-alpine', 'sha-abc123', '_x'])(
    'a tag that reads as a string (%s) stays plain',
    (tag) => {
      const result = bump('image:\n  repository: shop/api\n  tag: v1\n', { image: 'shop/api', tag });
      expect(result.text).toBe(`image:\n  repository: shop/api\n  tag: ${tag}\n`);
    },
  );

  it("uses the file's prevailing quote style, and keeps a quoted scalar's own quotes", () => {
    const single = "a: 'x'\nb: 'y'\nc: \"z\"\nimage:\n  repository: shop/api\n  tag: v1\n";
    expect(bump(single, { image: 'shop/api', tag: '1.10' }).text).toContain("tag: '1.10'");
    const keep = "a: 'x'\nb: 'y'\nimage:\n  repository: shop/api\n  tag: \"v1\"\n";
    expect(bump(keep, { image: 'shop/api', tag: '1.10' }).text).toContain('tag: "1.10"');
    const keepSingle = "image:\n  repository: shop/api\n  tag: 'v1'\n";
    expect(bump(keepSingle, { image: 'shop/api', tag: '2.0' }).text).toContain("tag: '2.0'");
  });

  it('an image string with a numeric-looking tag needs no quotes', () => {
    expect(bump(container('shop/api:1.0'), { image: 'shop/api', tag: '1.10' }).text).toBe(
      container('shop/api:1.10'),
    );
  });

  it('a kustomize newTag read as an integer (newTag: 11) becomes a quoted string', () => {
    const text = 'images:\n  - name: postgres\n    newTag: 11\n';
    expect(bump(text, { file: 'kustomization.yaml', image: 'postgres', tag: '12' }).text).toBe(
      'images:\n  - name: postgres\n    newTag: "12"\n',
    );
  });
});

describe('editManifest: only the tag characters change', () => {
  it('untagged images get :tag inserted', () => {
    expect(bump(container('busybox'), { image: 'busybox', tag: '1.36' }).text).toBe(
      container('busybox:1.36'),
    );
  });

  it('keeps CRLF line endings, a BOM, comments, trailing spaces and odd indentation', () => {
    const text =
      '\uFEFF# header\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n     name: x   \r\nspec:\r\n  containers:\r\n' +
      '  -   name: app # c\r\n      image:    shop/api:1.0.0    # keep me  \r\n\r\n';
    const result = bump(text, { image: 'shop/api', tag: '1.1.0' });
    expect(result.text).toBe(text.replace('shop/api:1.0.0', 'shop/api:1.1.0'));
    expect(result.changes).toMatchObject([{ line: 9, from: 'shop/api:1.0.0', to: 'shop/api:1.1.0' }]);
  });

  it('reports the BOM-free column on the first line', () => {
    const [reference] = scan('\uFEFFimage: shop/api:1\n');
    expect(reference).toMatchObject({ line: 1, column: 8 });
  });

  it('edits flow style and quoted scalars in place', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: x}
spec: {containers: [{name: a, image: 'shop/api:1.0.0'}, {name: b, image: "shop/api:1.0.0", args: [x]}]}
`;
    const result = bump(text, { image: 'shop/api', tag: '1.1.0' });
    expect(result.text).toBe(text.replaceAll('shop/api:1.0.0', 'shop/api:1.1.0'));
  });

  it('edits each document of a multi-document file on its own', () => {
    const text = `${container('shop/api:1.0.0')}---\n${container('shop/web:1.0.0')}---\n${container('shop/api:1.0.0')}`;
    const result = bump(text, { image: 'shop/api', tag: '2' });
    expect(result.changes.map((c) => [c.reference.document, c.line])).toEqual([
      [0, 8],
      [2, 26],
    ]);
    expect(changedLines(text, result.text).map((l) => l.after.trim())).toEqual([
      'image: shop/api:2',
      'image: shop/api:2',
    ]);
  });

  it('returns the text unchanged, with no changes, when the tag is already there', () => {
    const text = container('shop/api:1.0.0');
    expect(bump(text, { image: 'shop/api', tag: '1.0.0' })).toEqual({
      ok: true,
      text,
      changes: [],
      skipped: [],
    });
  });
});

describe('editManifest: digests and pin', () => {
  const digestCases: [string, string, { digest?: string; pin?: 'tag' | 'digest' | 'tag+digest' }, string][] =
    [
      [
        'a tag with a digest gets both',
        `shop/api:1.0@${DIGEST_OLD}`,
        { digest: DIGEST_NEW },
        `shop/api:1.1@${DIGEST_NEW}`,
      ],
      [
        'pin digest writes repo@digest',
        'shop/api:1.0',
        { digest: DIGEST_NEW, pin: 'digest' },
        `shop/api@${DIGEST_NEW}`,
      ],
      [
        'pin tag+digest writes both',
        'shop/api:1.0',
        { digest: DIGEST_NEW, pin: 'tag+digest' },
        `shop/api:1.1@${DIGEST_NEW}`,
      ],
      [
        'digest-only stays digest-only under pin tag',
        `shop/api@${DIGEST_OLD}`,
        { digest: DIGEST_NEW },
        `shop/api@${DIGEST_NEW}`,
      ],
      [
        'digest-only gains the tag under tag+digest',
        `shop/api@${DIGEST_OLD}`,
        { digest: DIGEST_NEW, pin: 'tag+digest' },
        `shop/api:1.1@${DIGEST_NEW}`,
      ],
      [
        'pin tag with a digest on an undigested reference adds none',
        'shop/api:1.0',
        { digest: DIGEST_NEW },
        'shop/api:1.1',
      ],
    ];
  it.each(digestCases)('image string: %s', (_name, image, options, expected) => {
    const result = bump(container(image), { image: 'shop/api', tag: '1.1', ...options });
    expect(result.text).toBe(container(expected));
  });

  it('a reference pinned by digest is skipped, with the reason, when the push has no digest', () => {
    const text = container(`shop/api:1.0@${DIGEST_OLD}`);
    const result = bump(text, { image: 'shop/api', tag: '1.1' });
    expect(result.text).toBe(text);
    expect(result.skipped[0]?.reason).toMatch(/pins digest sha256:0+.*would still run the old image/);
  });

  it('pin digest without a digest is skipped', () => {
    const result = bump(container('shop/api:1.0'), { image: 'shop/api', tag: '1.1', pin: 'digest' });
    expect(result.skipped[0]?.reason).toBe('pin digest needs a digest, and the pushed image has none');
  });

  const map = (digest: string) => `image:\n  repository: shop/api\n  tag: "1.0"\n  digest: ${digest}\n`;
  it.each([
    [
      'a filled digest field is updated with the tag',
      map(DIGEST_OLD),
      'tag',
      map(DIGEST_NEW).replace('"1.0"', '"1.1"'),
    ],
    [
      'an empty digest field stays empty under pin tag',
      map('""'),
      'tag',
      map('""').replace('"1.0"', '"1.1"'),
    ],
    [
      'an empty digest field is filled under pin digest',
      map('""'),
      'digest',
      map(`"${DIGEST_NEW}"`).replace('"1.0"', '"1.1"'),
    ],
    [
      'a null digest field is filled under pin tag+digest',
      map('~'),
      'tag+digest',
      map(DIGEST_NEW).replace('"1.0"', '"1.1"'),
    ],
    [
      'a missing digest value is filled after the colon',
      'image:\n  repository: shop/api\n  tag: "1.0"\n  digest:\n',
      'digest',
      map(DIGEST_NEW).replace('"1.0"', '"1.1"'),
    ],
    [
      'no digest field: the digest goes into the tag field',
      'image:\n  repository: shop/api\n  tag: "1.0"\n',
      'tag+digest',
      `image:\n  repository: shop/api\n  tag: "1.1@${DIGEST_NEW}"\n`,
    ],
  ] as const)('helm map: %s', (_name, text, pin, expected) => {
    expect(bump(text, { image: 'shop/api', tag: '1.1', digest: DIGEST_NEW, pin }).text).toBe(expected);
  });

  it('rejects a tag outside the OCI grammar and a digest that is not sha256, writing nothing', () => {
    const text = container('shop/api:1.0');
    const [reference] = scan(text);
    if (!reference) throw new Error('no reference');
    const result = editManifest(text, 'pod.yaml', [
      { reference, tag: 'bad tag', pin: 'tag' },
      { reference, tag: '1.1', digest: 'md5:abc', pin: 'tag' },
      { reference, tag: '-x', pin: 'tag' },
    ]);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.text).toBe(text);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      '"bad tag" is not a valid tag',
      '"md5:abc" is not a sha256 digest',
      '"-x" is not a valid tag',
    ]);
  });
});

describe('editManifest: what it will not edit', () => {
  it.each([
    ['a block scalar', 'image: |\n  shop/api:1.0\n', /block scalar/],
    ['a folded block scalar', 'image: >-\n  shop/api:1.0\n', /block scalar/],
    ['escape sequences', 'image: "shop/api:\\x31.0"\n', /escape sequences/],
    ['an explicit !!binary-ish tag', 'image: !custom shop/api:1.0\n', /explicit YAML tag/],
  ])('%s is skipped with the reason', (_name, text, reason) => {
    const result = bump(text, { image: 'shop/api', tag: '2.0' });
    expect(result.text).toBe(text);
    expect(result.skipped[0]?.reason).toMatch(reason);
  });

  it('an edit from a scan of another text is skipped', () => {
    const [reference] = scan(container('shop/api:1.0'));
    if (!reference) throw new Error('no reference');
    const other = `# a new comment\n${container('shop/api:1.0')}`;
    const result = editManifest(other, 'pod.yaml', [{ reference, tag: '2', pin: 'tag' }]);
    expect(result).toMatchObject({
      ok: true,
      text: other,
      skipped: [{ reason: /changed since it was scanned/ }],
    });
  });
});

describe('editManifest: anchors and aliases', () => {
  it('edits the anchor of an image used through aliases once', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: x}
spec:
  containers:
    - name: a
      image: &img shop/api:1.0
    - name: b
      image: *img
  initContainers:
    - name: c
      image: *img
`;
    const result = bump(text, { image: 'shop/api', tag: '1.1' });
    expect(result.changes).toHaveLength(1);
    expect(result.text).toBe(text.replace('&img shop/api:1.0', '&img shop/api:1.1'));
  });

  it('refuses to move a tag anchor that another image shares, unless both are updated', () => {
    const text = `api:
  repository: shop/api
  tag: &version "1.0"
worker:
  repository: shop/worker
  tag: *version
`;
    const one = bump(text, { image: 'shop/api', tag: '1.1' });
    expect(one.text).toBe(text);
    expect(one.skipped[0]?.reason).toMatch(/YAML anchor that the reference at line 3 also uses/);

    const references = scan(text);
    const both = editManifest(
      text,
      'values.yaml',
      references.map((reference) => ({ reference, tag: '1.1', pin: 'tag' as const })),
    );
    expect(both).toMatchObject({ ok: true, text: text.replace('"1.0"', '"1.1"') });
  });

  it('when one user of a shared anchor cannot be edited, none is', () => {
    const text = `api:
  repository: shop/api
  tag: &version "1.0"
worker:
  repository: shop/worker
  tag: *version
  digest: ${DIGEST_OLD}
`;
    const references = scan(text);
    const result = editManifest(
      text,
      'values.yaml',
      references.map((reference) => ({ reference, tag: '1.1', pin: 'tag' as const })),
    );
    expect(result).toMatchObject({ ok: true, text, changes: [] });
    if (!result.ok) return;
    // The worker's tag is the anchor, so both references point at line 3.
    expect(result.skipped.map((s) => [s.reference.image, s.reason])).toEqual([
      ['docker.io/shop/worker', expect.stringMatching(/pins digest/)],
      ['docker.io/shop/api', expect.stringMatching(/YAML anchor that the reference at line 3 also uses/)],
    ]);
  });
});

describe('editManifest: errors', () => {
  it('a YAML syntax error is reported with line and column, and nothing is returned to write', () => {
    const text = 'image: shop/api:1.0\ntags: [1.0\nother: 2\n';
    const scanned = scanManifest(text, 'values.yaml');
    expect(scanned).toMatchObject({
      ok: false,
      error: { line: 3, column: 1, message: /^YAML syntax: Flow sequence/ },
    });
    if (scanned.ok) return;
    expect(editManifest(text, 'values.yaml', [])).toEqual(scanned);
  });

  it('points at Go templates', () => {
    const result = scanManifest('image: {{ .Values.image }}\nfoo: {{- if x }}\n', 'templates/deploy.yaml');
    expect(result).toMatchObject({ ok: false, error: { message: /Go\/Helm template/ } });
  });

  it('the verifier refuses an edit that changed anything but the intended value', () => {
    const before = 'image: shop/api:1.0\nb: "x"\n';
    const parsed = parseYaml(before);
    if (!parsed.ok) throw new Error('parse');
    const [reference] = scan(before);
    const slot = reference?.slots.tag;
    if (!slot) throw new Error('no slot');
    expect(
      verifyEdit(parsed.source, 'image: shop/api:1.1\nb: "x"\n', [{ slot, value: 'shop/api:1.1' }]),
    ).toBeUndefined();
    expect(
      verifyEdit(parsed.source, 'image: shop/api:1.1\nb: "y"\n', [{ slot, value: 'shop/api:1.1' }]),
    ).toMatchObject({
      line: 2,
      message: /not to change now reads "y"/,
    });
    expect(
      verifyEdit(parsed.source, 'image: shop/api:1.2\nb: "x"\n', [{ slot, value: 'shop/api:1.1' }]),
    ).toMatchObject({
      message: /reads "shop\/api:1.2" instead of "shop\/api:1.1"/,
    });
    expect(
      verifyEdit(parsed.source, 'image: on\nb: "x"\n', [{ slot: { ...slot }, value: 'on' }]),
    ).toMatchObject({
      message: /YAML 1.1 would not read the new value "on" as a string/,
    });
    expect(
      verifyEdit(parsed.source, 'image: [shop/api:1.1]\nb: "x"\n', [{ slot, value: 'shop/api:1.1' }]),
    ).toMatchObject({
      message: /structure changed/,
    });
  });
});
