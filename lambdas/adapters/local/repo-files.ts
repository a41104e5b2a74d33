/**
 * `RepoFiles` over a local working tree (CLI `plan`, `serve`). Symbolic links are never
 * followed, so nothing outside the directory is listed, read or written.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readdir, readFile, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import pLimit from 'p-limit';
import type { RepoFiles } from '../../ports/repo-files.ts';
import { isConfinedPath } from '../../core/plan/scan.ts';

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/**
 * Open files at once, whoever calls: macOS starts shells at `ulimit -n 256`, and the process
 * needs descriptors of its own besides.
 */
const OPEN_FILES = 32;

export class LocalRepoFiles implements RepoFiles {
  private readonly root: string;
  private readonly gate = pLimit(OPEN_FILES);

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
    const target = await this.confined(path);
    if (!target) return undefined;
    try {
      return await this.gate(() => readFile(target.real, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Replaces an existing regular file inside the tree. The new text goes to a fresh file in the
   * same directory that is then renamed over the old entry: a hard link to a file elsewhere keeps
   * its content, and an interrupted write never leaves half a manifest.
   */
  async writeFile(path: string, text: string): Promise<void> {
    const target = await this.confined(path);
    if (!target) throw new Error(`refusing to write ${path}: not a regular file inside ${this.root}`);
    const temp = join(
      dirname(target.real),
      `.${basename(target.real)}.${randomBytes(6).toString('hex')}.tmp`,
    );
    await this.gate(async () => {
      // `wx` is O_CREAT|O_EXCL: a name planted in advance (a symlink included) fails the open
      // instead of being followed.
      const handle = await open(temp, 'wx', target.mode & 0o7777);
      try {
        try {
          await handle.writeFile(text, 'utf8');
          // The creation mode went through the umask; the file keeps the permissions it had.
          await handle.chmod(target.mode & 0o7777);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, target.real);
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw error;
      }
    });
  }

  private async confined(path: string): Promise<{ real: string; mode: number } | undefined> {
    if (!isConfinedPath(path)) return undefined;
    const full = resolve(this.root, path);
    try {
      const stat = await lstat(full);
      if (!stat.isFile()) return undefined;
      // A directory on the way could itself be a link out of the tree.
      const real = await realpath(full);
      const realRoot = await realpath(this.root);
      return real.startsWith(realRoot + sep) ? { real, mode: stat.mode } : undefined;
    } catch {
      return undefined;
    }
  }
}
