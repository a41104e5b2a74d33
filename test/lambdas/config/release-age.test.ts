import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/config/load.ts';

const H = 3_600_000;
const D = 24 * H;

const config = (policyAge: string | undefined, defaultsAge?: string) => `version: 1
${defaultsAge === undefined ? '' : `defaults:\n  minimumReleaseAge: ${defaultsAge}\n`}policies:
  - name: api
    image: registry.example/shop/api
${policyAge === undefined ? '' : `    minimumReleaseAge: ${policyAge}\n`}`;

describe('minimumReleaseAge in .image-updater.yaml', () => {
  it.each([
    ['2d', { major: 2 * D, minor: 2 * D, patch: 2 * D, prerelease: 2 * D, digest: 2 * D, other: 2 * D }],
    [
      '90s',
      { major: 90_000, minor: 90_000, patch: 90_000, prerelease: 90_000, digest: 90_000, other: 90_000 },
    ],
    ['{ major: 7d, minor: 2d, patch: 4h }', { major: 7 * D, minor: 2 * D, patch: 4 * H }],
    ['{ digest: 30m }', { digest: 30 * 60_000 }],
    [
      '90d',
      { major: 90 * D, minor: 90 * D, patch: 90 * D, prerelease: 90 * D, digest: 90 * D, other: 90 * D },
    ],
  ])('%s: each update type named gets its age, the others none', (text, ages) => {
    const result = parseConfig(config(text));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.policies[0]!.minimumReleaseAge).toEqual(ages);
  });

  it('0s or no key: no gate', () => {
    for (const text of [config('0s'), config(undefined)]) {
      const result = parseConfig(text);
      expect(result.ok && result.config.policies[0]!.minimumReleaseAge).toBeUndefined();
    }
  });

  it("a policy's value replaces the one of defaults as a whole", () => {
    const result = parseConfig(config('{ major: 7d }', '1d'));
    expect(result.ok && result.config.policies[0]!.minimumReleaseAge).toEqual({ major: 7 * D });
    const inherited = parseConfig(config(undefined, '{ patch: 4h }'));
    expect(inherited.ok && inherited.config.policies[0]!.minimumReleaseAge).toEqual({ patch: 4 * H });
  });

  const HINT = 'a duration: a whole number and s, m, h or d, e.g. 90s, 30m, 4h, 7d';
  const SHAPE =
    'a duration such as 2d, or a map of durations by update type: { major: 7d, minor: 2d, patch: 4h }';
  it.each([
    ['2w', 'policies[0].minimumReleaseAge', HINT, 5, 24],
    ['1.5d', 'policies[0].minimumReleaseAge', HINT, 5, 24],
    ['91d', 'policies[0].minimumReleaseAge', 'at most 90d', 5, 24],
    ['7', 'policies[0].minimumReleaseAge', SHAPE, 5, 24],
    ['{ minor: 3 }', 'policies[0].minimumReleaseAge.minor', HINT, 5, 33],
    ['{ major: 7d, weekly: 2d }', 'policies[0].minimumReleaseAge.weekly', 'unknown key', 5, 37],
    ['{ patch: 100d }', 'policies[0].minimumReleaseAge.patch', 'at most 90d', 5, 33],
    ['[2d]', 'policies[0].minimumReleaseAge', SHAPE, 5, 24],
  ])('%s is refused: %s %s at %i:%i', (text, path, message, line, column) => {
    const result = parseConfig(config(text));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([{ path, message, line, column }]);
  });

  it('is checked in defaults too, with its position', () => {
    const result = parseConfig(config(undefined, '3 days'));
    expect(!result.ok && result.issues).toEqual([
      { path: 'defaults.minimumReleaseAge', message: HINT, line: 3, column: 22 },
    ]);
  });
});
