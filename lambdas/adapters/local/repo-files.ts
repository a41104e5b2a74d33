/**
 * `RepoFiles` over a local working tree (CLI `plan`, `serve`). Symbolic links are never
 * followed, so nothing outside the directory is listed, read or written.
 */
import { lstat, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { RepoFiles } from '../../ports/repo-files.ts';
import { isConfinedPath } from '../../core/plan/scan.ts';

const SKIP_DIRS = new Set(['.git', 'node_modules']);

export class LocalRepoFiles implements RepoFiles {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async listFiles(): Promise<readonly string[]> {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) await walk(full);
        else if (entry.isFile()) found.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    await walk(this.root);
    return found.sort();
  }

  async readFile(path: string): Promise<string | undefined> {
    const full = await this.confined(path);
    if (!full) return undefined;
    try {
      return await readFile(full, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Writes an existing regular file in place; refuses anything that would leave the tree. */
  async writeFile(path: string, text: string): Promise<void> {
    const full = await this.confined(path);
    if (!full) throw new Error(`refusing to write ${path}: not a regular file inside ${this.root}`);
    await writeFile(full, text, 'utf8');
  }

  private async confined(path: string): Promise<string | undefined> {
    if (!isConfinedPath(path)) return undefined;
    const full = resolve(this.root, path);
    try {
      const stat = await lstat(full);
      if (!stat.isFile()) return undefined;
      // A directory on the way could itself be a link out of the tree.
      const real = await realpath(full);
      const realRoot = await realpath(this.root);
      return real.startsWith(realRoot + sep) ? full : undefined;
    } catch {
      return undefined;
    }
  }
}
