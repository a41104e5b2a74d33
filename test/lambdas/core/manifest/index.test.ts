import { describe, expect, it } from 'vitest';
import { referencesFor } from '../../../../lambdas/core/manifest/index.ts';
import { scan } from './helpers.ts';

const values = `a: {image: "nginx:1.25"}
b: {image: "docker.io/library/nginx:1.25"}
c: {image: "index.docker.io/library/nginx:1.25"}
d: {image: "registry-1.docker.io/library/nginx:1.25"}
e: {image: "ghcr.io/library/nginx:1.25"}
f: {image: "nginx-unprivileged:1.25"}
g: {image: "Registry.Example.com:5000/team/app:1"}
h: {image: "registry.example.com/team/app:1"}
i: {image: "shop/api:1.25"}
j: {image: "other/api:1.25"}
`;

describe('referencesFor: matching a policy image the way runtimes do', () => {
  it.each([
    ['nginx', [1, 2, 3, 4]],
    ['docker.io/nginx', [1, 2, 3, 4]],
    ['index.docker.io/library/nginx', [1, 2, 3, 4]],
    ['ghcr.io/library/nginx', [5]],
    ['registry.example.com:5000/team/app', [7]],
    ['REGISTRY.example.com:5000/team/app', [7]],
    ['registry.example.com/team/app', [8]],
    ['shop/api', [9]],
    ['docker.io/shop/api', [9]],
    ['shop', []],
    ['not a valid image!', []],
  ])('%s', (image, lines) => {
    expect(referencesFor(scan(values), { name: 'p', image }).map((r) => r.line)).toEqual(lines);
  });

  it('markers match by policy name only, exactly', () => {
    const text = `x:\n  image: shop/api:1 # {"$imagepolicy": "flux-system:api"}\ny: {image: "shop/api:1"} # {"$imagepolicy": "api"}\n`;
    const refs = scan(text);
    expect(
      referencesFor(refs, { name: 'flux-system:api', image: 'ghcr.io/else/where' }).map((r) => r.line),
    ).toEqual([2]);
    // A marker after a flow collection's closing brace marks no scalar: line 3 is structural.
    expect(referencesFor(refs, { name: 'api', image: 'shop/api' }).map((r) => [r.line, r.format])).toEqual([
      [3, 'helm'],
    ]);
  });
});
