/**
 * `semver`: node-semver ordering and ranges. A leading `v` is tolerated; anything node-semver's
 * strict parser rejects is not a version, including partial versions `1.2` and `1`: those are
 * moving aliases (`nginx:1.25` follows every 1.25.x), and pinning one would make the next patch
 * release look like no change. A `version` group in `tags.pattern` that captures `X.Y` or `X` is
 * an explicit opt-in (images like postgres publish only `16.2`): it reads as `X.Y.0` / `X.0.0`.
 */
import semver from 'semver';
import { compareSemver, compileRange, parseSemver, satisfiesRange, type SemverKey } from '../semver-fast.ts';
import { skip, type Skip } from '../skip.ts';
import type { SelectionPolicy } from '../types.ts';
import type { OrderedStrategy } from './types.ts';

const NOT_SEMVER = skip('not-a-version');
const PARTIAL = skip(
  'not-a-version',
  'a partial version is a moving alias; capture it in a tags.pattern "version" group to follow it',
);
const PRERELEASE = skip('prerelease');
const OUT_OF_RANGE = skip('out-of-range');
const PARTIAL_VERSION = /^v?(?:0|[1-9]\d*)(\.(?:0|[1-9]\d*))?$/;

export interface SemverStrategyOptions {
  /** Read `X.Y` and `X` as `X.Y.0` and `X.0.0` (versions from a `version` group only). */
  readonly padPartial: boolean;
  /** Use node-semver for every parse and range test: the reference path. */
  readonly exact?: boolean;
}

/** The text node-semver reads for a version: partial versions padded when allowed. */
export function semverText(version: string, padPartial: boolean): string {
  if (!padPartial) return version;
  const m = PARTIAL_VERSION.exec(version);
  if (m === null) return version;
  return m[1] === undefined ? `${version}.0.0` : `${version}.0`;
}

export function semverStrategy(
  policy: Pick<SelectionPolicy, 'range' | 'prerelease'>,
  options: SemverStrategyOptions,
): OrderedStrategy<SemverKey> {
  const includePrerelease = policy.prerelease;
  const notVersion = (text: string): Skip => (PARTIAL_VERSION.test(text) ? PARTIAL : NOT_SEMVER);
  if (options.exact) {
    const range = new semver.Range(policy.range, { includePrerelease });
    return {
      read(version) {
        const text = semverText(version, options.padPartial);
        return semver.parse(text) ?? notVersion(text);
      },
      admit(key) {
        if (!includePrerelease && key.prerelease.length > 0) return PRERELEASE;
        return range.test(key as semver.SemVer) ? undefined : OUT_OF_RANGE;
      },
      compare: (a, b) => semver.compare(a as semver.SemVer, b as semver.SemVer),
    };
  }
  const range = compileRange(policy.range, includePrerelease);
  return {
    read(version) {
      const text = semverText(version, options.padPartial);
      return parseSemver(text) ?? notVersion(text);
    },
    admit(key) {
      if (!includePrerelease && key.prerelease.length > 0) return PRERELEASE;
      return satisfiesRange(range, key) ? undefined : OUT_OF_RANGE;
    },
    compare: compareSemver,
    confirm(chosenVersion, currentVersion) {
      const chosen = semverText(chosenVersion, options.padPartial);
      if (!semver.satisfies(chosen, policy.range, { includePrerelease })) return false;
      if (!includePrerelease && semver.prerelease(chosen) !== null) return false;
      return (
        currentVersion === undefined || semver.gt(chosen, semverText(currentVersion, options.padPartial))
      );
    },
  };
}
