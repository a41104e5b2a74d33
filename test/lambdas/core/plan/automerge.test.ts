import { describe, expect, it } from 'vitest';
import { automergeAllows, largerUpdate } from '../../../../lambdas/core/plan/automerge.ts';
import { renderTemplate } from '../../../../lambdas/core/plan/template.ts';

describe('automerge levels', () => {
  it.each([
    ['none', 'digest', false],
    ['patch', 'digest', true],
    ['patch', 'patch', true],
    ['patch', 'prerelease', true],
    ['patch', 'minor', false],
    ['minor', 'minor', true],
    ['minor', 'major', false],
    ['major', 'major', true],
    ['major', 'other', false],
    ['all', 'other', true],
  ] as const)('automerge %s merges a %s update: %s', (level, type, expected) => {
    expect(automergeAllows(level, type)).toBe(expected);
  });

  it('a PR carrying several updates is as big as its biggest', () => {
    expect(['patch', 'major', 'minor'].reduce((a, b) => largerUpdate(a as never, b as never))).toBe('major');
  });
});

describe('commit message template', () => {
  const values = {
    policy: 'api',
    image: 'ghcr.io/acme/api',
    from: '1.4.2',
    to: '1.4.3',
    digest: '',
    updateType: 'patch' as const,
  };

  it('fills every token', () => {
    expect(renderTemplate('{{policy}} {{ image }}: {{from}} → {{to}} ({{updateType}})', values)).toBe(
      'api ghcr.io/acme/api: 1.4.2 → 1.4.3 (patch)',
    );
  });

  it('leaves text that is not a token alone', () => {
    expect(renderTemplate('chore: {{policy}} {not a token} {{', values)).toBe('chore: api {not a token} {{');
  });
});
