/**
 * Reads the files a set of policies may touch, once each, and finds their image references.
 * A file that does not parse is a problem for its policies, never a reason to stop the others.
 */
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import type { Policy } from '../config.ts';
import { canonicalImageName } from '../image/reference.ts';
import type { RepoFiles } from '../../ports/repo-files.ts';
import {
  MAX_MANIFEST_BYTES,
  referencesFor,
  scanManifest,
  type ManifestReference,
} from '../manifest/index.ts';

/** Files read at once: enough to hide latency, far below any descriptor or rate limit. */
const READ_CONCURRENCY = 16;

interface ScannedFile {
  readonly path: string;
  readonly text: string;
  readonly references: readonly ManifestReference[];
}

export interface FileProblem {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

const REPLACEMENT_CHARACTER = '\uFFFD';

/** Where the first undecodable byte is, for a message a user can act on. */
function notUtf8(text: string): Omit<FileProblem, 'file'> {
  const before = text.slice(0, text.indexOf(REPLACEMENT_CHARACTER));
  const lines = before.split('\n');
  return {
    message: 'not UTF-8 (or holds U+FFFD): left unchanged, so that bytes outside the tag are never rewritten',
    line: lines.length,
    column: lines.at(-1)!.length + 1,
  };
}

export interface RepoScan {
  readonly files: ReadonlyMap<string, ScannedFile>;
  /** Which scanned files each policy's `files` globs select. */
  readonly filesByPolicy: ReadonlyMap<string, readonly string[]>;
  readonly problems: readonly FileProblem[];
}

/** Manifests are YAML; kustomize also reads an extension-less `Kustomization`. */
function isManifestPath(path: string): boolean {
  return /\.ya?ml$/i.test(path) || /(^|\/)Kustomization$/.test(path);
}

/** True for a repo-relative path that stays inside the repository. */
export function isConfinedPath(path: string): boolean {
  return (
    path !== '' &&
    !path.startsWith('/') &&
    !/^[A-Za-z]:/.test(path) &&
    !path.split('/').includes('..') &&
    !path.includes('\\')
  );
}

export async function scanRepo(
  policies: readonly Policy[],
  repo: RepoFiles,
  options: { readonly configPath?: string } = {},
): Promise<RepoScan> {
  const all = (await repo.listFiles()).filter(
    (p) => isConfinedPath(p) && isManifestPath(p) && p !== options.configPath,
  );
  const filesByPolicy = new Map<string, string[]>();
  const wanted = new Set<string>();
  for (const policy of policies) {
    const matches = policyMatcher(policy);
    const selected = all.filter((p) => matches(p));
    filesByPolicy.set(policy.name, selected);
    for (const p of selected) wanted.add(p);
  }
  const files = new Map<string, ScannedFile>();
  const problems: FileProblem[] = [];
  // A file known to be over the limit is refused without being downloaded (a hosted tree lists
  // sizes): scanManifest would refuse it anyway, after the transfer.
  for (const path of wanted) {
    const size = repo.sizeOf?.(path);
    if (size !== undefined && size > MAX_MANIFEST_BYTES) {
      wanted.delete(path);
      problems.push({
        file: path,
        message: `the file is larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB`,
      });
    }
  }
  // Independent reads, a bounded number at a time: each is an open file (checkout) or a blob
  // request (GitHub), and a repository can hold thousands.
  const texts = await pLimit(READ_CONCURRENCY).map([...wanted].sort(), async (path) => {
    return [path, await repo.readFile(path)] as const;
  });
  for (const [path, text] of texts) {
    if (text === undefined) continue;
    // Both adapters decode as UTF-8, turning bytes that are not into U+FFFD: writing such a text
    // back would replace them, outside the tag, in every comment and string they were in.
    if (text.includes(REPLACEMENT_CHARACTER)) {
      problems.push({ file: path, ...notUtf8(text) });
      continue;
    }
    const scanned = scanManifest(text, path);
    if (!scanned.ok) {
      problems.push({ file: path, ...scanned.error });
      continue;
    }
    files.set(path, { path, text, references: scanned.references });
  }
  return { files, filesByPolicy, problems };
}

/** Whether a repo-relative path is one of the policy's `files`. */
export function policyMatcher(policy: Policy): (path: string) => boolean {
  return picomatch(policy.files as string[], { dot: false });
}

/** The problems of the files a policy's globs select (a YAML syntax error, bytes that are not UTF-8). */
export function policyProblems(policy: Policy, scan: RepoScan): FileProblem[] {
  const mine = new Set(scan.filesByPolicy.get(policy.name) ?? []);
  return scan.problems.filter((p) => mine.has(p.file));
}

/** The references a policy owns, file by file, within the files its globs select. */
export function policyReferences(policy: Policy, scan: RepoScan): Map<string, ManifestReference[]> {
  const result = new Map<string, ManifestReference[]>();
  const image = canonicalImageName(policy.image);
  for (const path of scan.filesByPolicy.get(policy.name) ?? []) {
    const file = scan.files.get(path);
    if (!file) continue;
    const refs = referencesFor(file.references, policy).map((r) =>
      // A `:tag`/`:digest` marker holds no name: the policy it names says which image it is.
      r.format === 'marker' && r.image === undefined && !r.slots.name && image ? { ...r, image } : r,
    );
    if (refs.length > 0) result.set(path, refs);
  }
  return result;
}
