/**
 * What a config means to the domain: the resolved `Policy` and `Config` the core plans with, and
 * the issues a config can have. `lambdas/config/` parses `.image-updater.yaml` into these; the
 * core never imports `config/` (lint: the layer zones in eslint.config.js).
 */
import type { VerifyPolicy } from './verify/types.ts';

export const STRATEGIES = ['semver', 'calver', 'numerical', 'alphabetical', 'newest', 'digest'] as const;
export const UPDATE_MODES = ['pull-request', 'commit'] as const;
export const AUTOMERGE_LEVELS = ['none', 'patch', 'minor', 'major', 'all'] as const;
export const MERGE_STRATEGIES = ['auto', 'immediate'] as const;
export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const;
export const PIN_MODES = ['tag', 'digest', 'tag+digest'] as const;

type Strategy = (typeof STRATEGIES)[number];
type UpdateMode = (typeof UPDATE_MODES)[number];
export type AutomergeLevel = (typeof AUTOMERGE_LEVELS)[number];
type MergeStrategy = (typeof MERGE_STRATEGIES)[number];
type MergeMethod = (typeof MERGE_METHODS)[number];
type PinMode = (typeof PIN_MODES)[number];

/** The update types `minimumReleaseAge` can name (`tags/types.ts` `UpdateType`). */
export const RELEASE_AGE_KEYS = ['major', 'minor', 'patch', 'prerelease', 'digest', 'other'] as const;

/** `minimumReleaseAge` resolved: milliseconds per update type; a type not named has no age. */
export type ReleaseAges = Readonly<Partial<Record<(typeof RELEASE_AGE_KEYS)[number], number>>>;

/** A policy with `defaults` and built-in defaults merged in: what the rest of the code uses. */
export interface Policy {
  readonly name: string;
  readonly image: string;
  readonly strategy: Strategy;
  readonly range: string;
  readonly prerelease: boolean;
  readonly tags: { readonly pattern?: string; readonly ignore: readonly string[] };
  readonly order: 'asc' | 'desc';
  readonly layout?: string;
  readonly track?: string;
  readonly pin: PinMode;
  readonly files: readonly string[];
  readonly group?: string;
  readonly allowDowngrade: boolean;
  /** undefined: the repository's default branch. */
  readonly baseBranch?: string;
  readonly update: UpdateMode;
  readonly automerge: AutomergeLevel;
  readonly mergeStrategy: MergeStrategy;
  readonly mergeMethod: MergeMethod;
  readonly labels: readonly string[];
  readonly reviewers: readonly string[];
  readonly commitMessage: string;
  /** How old (from the registry's push time) a candidate must be, per update type; unset: no gate. */
  readonly minimumReleaseAge?: ReleaseAges;
  /** Signature verification before any write (`core/verify/`). */
  readonly verify?: VerifyPolicy;
  /**
   * Environment promotion (docs/promotion.md): follow what the `from` policy's files hold on its
   * base branch instead of the registry. The ordering keys above (`strategy`, `order`, `layout`,
   * `track`, `tags.pattern`) are then the chain's first policy's, so tags compare as upstream.
   */
  readonly promote?: {
    readonly from: string;
    /** The soak time (ms): the source's change is proposed once it has run this long there. */
    readonly after?: number;
    /**
     * `healthy`: proposed once `application` (the source environment, as its health reports
     * name it) reports healthy at a commit containing the change. Unset: once merged.
     */
    readonly when?: 'healthy';
    readonly application?: string;
  };
}

export interface Config {
  readonly version: 1;
  readonly policies: readonly Policy[];
  /** Whether the repository's dashboard issue is kept (`core/dashboard/`); default true. */
  readonly dashboard?: boolean;
  /**
   * Where each policy starts in the file (1-based), by index in `policies`: what a problem found
   * later, against the repository's files (two policies on one reference), points at.
   */
  readonly positions?: readonly { readonly line: number; readonly column: number }[];
}

export type ConfigLoadResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Reads a config's text into a result; `lambdas/config/load.ts` `loadConfig` in production. */
export type ConfigLoader = (text: string) => Promise<ConfigLoadResult>;

/** One problem in a config file, pointing at the offending key or value. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `policies[0].range`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export function formatConfigIssue(file: string, issue: ConfigIssue): string {
  return `${file}:${issue.line}:${issue.column}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}
