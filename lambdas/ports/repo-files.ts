/**
 * Read access to one revision of an environment repository: a local checkout (CLI) or a
 * branch head through the GitHub API (worker). Paths are repo-relative with `/` separators;
 * implementations never list or read anything outside the repository (symlinks are not files).
 */
export interface RepoFiles {
  /** Every regular file's path. */
  listFiles(): Promise<readonly string[]>;
  /** A file's text, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** A file's size in bytes when known without reading it (a hosted tree lists it). */
  sizeOf?(path: string): number | undefined;
}
