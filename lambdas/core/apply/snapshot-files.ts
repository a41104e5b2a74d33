import type { CommitSnapshot, RepoClient } from '../../ports/git-host.ts';
import type { RepoFiles } from '../../ports/repo-files.ts';

// Regular files only: a symlink (120000) could point outside the repository, a submodule
// (160000) is another repository.
const FILE_MODES = new Set(['100644', '100755']);

/** `RepoFiles` over one commit of a hosted repository; each read is one blob request. */
export function snapshotFiles(
  client: RepoClient,
  snapshot: CommitSnapshot,
): RepoFiles & { modeOf(path: string): string | undefined } {
  const entries = new Map(
    snapshot.tree.filter((e) => e.type === 'blob' && FILE_MODES.has(e.mode)).map((e) => [e.path, e]),
  );
  return {
    listFiles: async () => [...entries.keys()],
    readFile: async (path) => {
      const entry = entries.get(path);
      if (!entry) return undefined;
      return (await client.readBlobs([entry.sha])).get(entry.sha);
    },
    sizeOf: (path) => entries.get(path)?.size,
    modeOf: (path) => entries.get(path)?.mode,
  };
}
