import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../lambdas/core/config.ts';
import {
  discoveryAllows,
  shouldReplace,
  indexEntryOf,
  mergeEntry,
  watchedImages,
  type IndexEntry,
} from '../../../lambdas/core/repo-index.ts';

const policy = (image: string) => ({ name: 'p', image }) as Policy;
const WHERE = { repo: 'acme/env', configPath: '.image-updater.yaml' };

describe('watchedImages', () => {
  it.each([
    [['nginx'], ['docker.io/library/nginx']],
    [['docker.io/library/nginx', 'nginx', 'index.docker.io/library/nginx'], ['docker.io/library/nginx']],
    [
      ['ghcr.io/acme/api', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api'],
      ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api', 'ghcr.io/acme/api'],
    ],
    [[], []],
  ])(
    '%j → %j: one canonical name per image, so any spelling of a push finds the repository',
    (images, names) => {
      expect(watchedImages(images.map(policy))).toEqual(names);
    },
  );
});

describe('indexEntryOf', () => {
  it.each([
    [{ kind: 'absent' } as const, 'no-config', []],
    [{ kind: 'invalid', sha: 'b1' } as const, 'invalid', []],
    [
      { kind: 'valid', sha: 'b1', policies: [policy('ghcr.io/acme/api')] } as const,
      'watching',
      ['ghcr.io/acme/api'],
    ],
    [{ kind: 'unreadable' } as const, 'unread', []],
  ])('%j → %s', (reading, status, images) => {
    const entry = indexEntryOf(WHERE, reading, 1000);
    expect(entry.status).toBe(status);
    expect(entry.images).toEqual(images);
  });

  it('keeps what the last good read watched when the config cannot be read now', () => {
    const previous = indexEntryOf(
      WHERE,
      { kind: 'valid', sha: 'b1', policies: [policy('ghcr.io/acme/api')] },
      1,
    );
    const entry = indexEntryOf(WHERE, { kind: 'unreadable' }, 2, previous);
    expect(entry).toMatchObject({ status: 'unread', images: ['ghcr.io/acme/api'], configSha: 'b1' });
  });
});

describe('shouldReplace and mergeEntry', () => {
  const base: IndexEntry = {
    ...WHERE,
    status: 'watching',
    images: ['ghcr.io/acme/api'],
    configSha: 'b1',
    checkedAt: 1,
  };
  it.each([
    [{ checkedAt: 99 }, false],
    [{ configSha: 'b2' }, true],
    [{ status: 'invalid' as const }, true],
    [{ images: ['ghcr.io/acme/api', 'ghcr.io/acme/web'] }, true],
    [{ configPath: 'deploy/.image-updater.yaml' }, true],
    [{ configSha: 'b2', checkedAt: 0 }, false],
  ])(
    '%j: written %s (a reconcile over unchanged repositories writes nothing; an older reading never)',
    (change, changed) => {
      expect(shouldReplace(base, { ...base, ...change })).toBe(changed);
    },
  );

  it('keeps the installation discovery found when a later read does not say it', () => {
    const discovered = { ...base, installationId: 7 };
    const merged = mergeEntry(discovered, { ...base, checkedAt: 5 });
    expect(merged.installationId).toBe(7);
    expect(shouldReplace(discovered, merged)).toBe(false);
  });
});

describe('discoveryAllows', () => {
  const repo = (name: string, topics: string[] = [], archived = false) => ({ repo: name, topics, archived });
  it.each([
    [{}, repo('acme/env-prod'), true],
    [{}, repo('acme/env-prod', [], true), false],
    [{ names: ['acme/env-*'] }, repo('acme/env-prod'), true],
    [{ names: ['acme/env-*'] }, repo('ACME/Env-Prod'), true],
    [{ names: ['acme/env-*'] }, repo('acme/app'), false],
    [{ names: ['acme/env-*', 'platform/*'] }, repo('platform/gitops'), true],
    [{ topic: 'gitops' }, repo('acme/app', ['gitops']), true],
    [{ topic: 'gitops' }, repo('acme/app', ['other']), false],
    [{ names: ['acme/*'], topic: 'gitops' }, repo('acme/app', []), false],
    [{ names: ['acme/*', '!acme/secrets'] }, repo('acme/secrets'), false],
    [{ names: ['acme/*', '!acme/secrets'] }, repo('acme/app'), true],
    [{ names: ['!acme/secrets'] }, repo('other/app'), true],
    [{ names: ['!acme/*'] }, repo('ACME/app'), false],
  ])('%j allows %j: %s', (filter, candidate, allowed) => {
    expect(discoveryAllows(filter, candidate)).toBe(allowed);
  });
});
